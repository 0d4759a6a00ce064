"""EC2 gaps in moto 5.2.1."""


def launch_template_tags_follow_create_tags() -> None:
    """Show a launch template's current tags, as AWS does.

    moto copies a launch template's tags when it is created, and DescribeLaunchTemplates
    answers with that copy: tags added later with CreateTags (the reaper's
    `ephemera:state`, `ephemera ls`'s extensions) never show. The template's tags are
    read from moto's tag store, where CreateTags writes, on every describe.
    """
    from moto.ec2.models.launch_templates import LaunchTemplate

    LaunchTemplate.tags = property(  # type: ignore[assignment]
        lambda self: self.get_tags(),
        lambda self, value: None,  # __init__ assigns the creation-time copy; the store already has it
    )
