"""EKS gaps in moto 5.2.1.

State added here lives on moto's own objects (clusters, node groups, the
backend), so deleting a cluster or `POST /moto-api/reset` clears it too.
"""

import functools
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random

ACCESS_POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"
# The access policies AWS offers (ListAccessPolicies); others are refused.
ACCESS_POLICIES = (
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
)
ACCESS_ENTRY_TYPES = ("STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
AUTHENTICATION_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")


def _not_found(message: str, **names: Any) -> Exception:
    from moto.eks.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(
        clusterName=names.get("clusterName"),
        nodegroupName=names.get("nodegroupName"),
        fargateProfileName=None,
        addonName=None,
        message=message,
    )


def _invalid_parameter(message: str, cluster_name: str | None = None) -> Exception:
    from moto.eks.exceptions import InvalidParameterException

    return InvalidParameterException(clusterName=cluster_name, message=message)


def _invalid_request(message: str, cluster_name: str | None = None) -> Exception:
    from moto.eks.exceptions import InvalidRequestException

    return InvalidRequestException(clusterName=cluster_name, message=message)


def _cluster(backend: Any, name: str) -> Any:
    cluster = backend.clusters.get(name)
    if cluster is None:
        raise _not_found(f"No cluster found for name: {name}.", clusterName=name)
    return cluster


def _nodegroup(backend: Any, cluster_name: str, nodegroup_name: str) -> Any:
    nodegroup = _cluster(backend, cluster_name).nodegroups.get(nodegroup_name)
    if nodegroup is None:
        raise _not_found(
            f"No node group found for name: {nodegroup_name}.",
            clusterName=cluster_name,
            nodegroupName=nodegroup_name,
        )
    return nodegroup


def _add_routes(*paths: str) -> None:
    """Adds REST paths to moto's EKS app (read when the server builds it, i.e. after this)."""
    from moto.eks import urls
    from moto.eks.responses import EKSResponse

    for path in paths:
        urls.url_paths.setdefault(path, EKSResponse.dispatch)


# --- cluster access config and updates ---------------------------------------------


def _updates_of(backend: Any) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    if not hasattr(backend, "ephemera_updates"):
        backend.ephemera_updates = {}
    return backend.ephemera_updates


def _record_update(
    backend: Any, cluster_name: str, nodegroup_name: str | None, update_type: str, params: list[dict[str, str]]
) -> dict[str, Any]:
    """Updates complete at once (moto has no clock), but the provider waits for them by id."""
    update = {
        "id": str(mock_random.uuid4()),
        "status": "Successful",
        "type": update_type,
        "params": params,
        "createdAt": utcnow(),
        "errors": [],
    }
    _updates_of(backend)[(cluster_name, nodegroup_name, update["id"])] = update
    return update


def cluster_access_config_and_updates() -> None:
    """Cluster accessConfig, UpdateClusterConfig answering an `update`, DescribeUpdate/ListUpdates.

    moto drops CreateCluster's accessConfig (so `aws_eks_cluster.access_config`
    never read back) and answers UpdateClusterConfig with the cluster instead
    of an update, and has no DescribeUpdate route, so the provider could not
    wait for any cluster or node group update. The authentication mode defaults
    to CONFIG_MAP (the API's default) and may only move towards API, as in AWS.
    """
    from moto.eks.responses import EKSResponse

    _add_routes(
        "{0}/clusters/(?P<name>[^/]+)/updates$",
        "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$",
    )
    original_create_cluster = EKSResponse.create_cluster

    def create_cluster(self: Any) -> Any:
        access_config = self._get_param("accessConfig") or {}
        mode = access_config.get("authenticationMode", "CONFIG_MAP")
        if mode not in AUTHENTICATION_MODES:
            raise _invalid_parameter(f"Unsupported authenticationMode: {mode}")
        result = original_create_cluster(self)
        cluster = self.eks_backend.clusters[self._get_param("name")]
        cluster.access_config = {
            "authenticationMode": mode,
            "bootstrapClusterCreatorAdminPermissions": access_config.get(
                "bootstrapClusterCreatorAdminPermissions", True
            ),
        }
        return result

    def update_cluster_config(self: Any) -> Any:
        name = self._get_param("name")
        cluster = _cluster(self.eks_backend, name)
        params = []
        access_config = self._get_param("accessConfig")
        if access_config and "authenticationMode" in access_config:
            current = getattr(cluster, "access_config", {}).get("authenticationMode", "CONFIG_MAP")
            wanted = access_config["authenticationMode"]
            if wanted not in AUTHENTICATION_MODES or AUTHENTICATION_MODES.index(wanted) < AUTHENTICATION_MODES.index(
                current
            ):
                raise _invalid_parameter(f"Unsupported authentication mode update from {current} to {wanted}", name)
            cluster.access_config = {**getattr(cluster, "access_config", {}), "authenticationMode": wanted}
            params.append({"type": "AuthenticationMode", "value": wanted})
        for key, param_type in (
            ("resourcesVpcConfig", "EndpointPublicAccess"),
            ("logging", "ClusterLogging"),
            ("kubernetesNetworkConfig", "KubernetesNetworkConfig"),
            ("remoteNetworkConfig", "RemoteNetworkConfig"),
        ):
            if self._get_param(key):
                params.append({"type": param_type, "value": str(self._get_param(key))})
        self.eks_backend.update_cluster_config(
            name=name,
            resources_vpc_config=self._get_param("resourcesVpcConfig"),
            logging=self._get_param("logging"),
            client_request_token=self._get_param("clientRequestToken"),
            kubernetes_network_config=self._get_param("kubernetesNetworkConfig"),
            remote_network_config=self._get_param("remoteNetworkConfig"),
        )
        update_type = "AccessConfigUpdate" if access_config else "ConfigUpdate"
        return ActionResult({"update": _record_update(self.eks_backend, name, None, update_type, params)})

    def describe_update(self: Any) -> Any:
        name, update_id = self._get_param("name"), self._get_param("updateId")
        nodegroup_name = self._get_param("nodegroupName")
        _cluster(self.eks_backend, name)
        update = _updates_of(self.eks_backend).get((name, nodegroup_name, update_id))
        if update is None:
            raise _not_found(f"No update found for ID: {update_id}.", clusterName=name)
        return ActionResult({"update": update})

    def list_updates(self: Any) -> Any:
        name, nodegroup_name = self._get_param("name"), self._get_param("nodegroupName")
        _cluster(self.eks_backend, name)
        ids = [u for (c, n, u) in _updates_of(self.eks_backend) if c == name and n == nodegroup_name]
        return ActionResult({"updateIds": ids})

    EKSResponse.create_cluster = create_cluster
    EKSResponse.update_cluster_config = update_cluster_config
    EKSResponse.describe_update = describe_update
    EKSResponse.list_updates = list_updates


# --- managed node groups --------------------------------------------------------------


def _check_scaling(config: dict[str, Any]) -> None:
    low, desired, high = config.get("minSize", 0), config.get("desiredSize", 0), config.get("maxSize", 1)
    if high < 1:
        raise _invalid_parameter(f"Maximum capacity {high} can't be less than 1")
    if low > high:
        raise _invalid_parameter(f"Minimum capacity {low} can't be greater than maximum capacity {high}")
    if desired < low:
        raise _invalid_parameter(f"Minimum capacity {low} can't be greater than desired size {desired}")
    if desired > high:
        raise _invalid_parameter(f"Desired capacity {desired} can't be greater than max size {high}")


def nodegroup_reports_only_requested_settings() -> None:
    """A node group reports remoteAccess only when it was asked for.

    moto fills in `remoteAccess: {ec2SshKey: "eksKeypair"}` (and a remote access
    security group) for every node group, so `aws_eks_node_group` without a
    `remote_access` block was replaced on every plan. Node groups built from a
    launch template no longer get moto's default diskSize/instanceTypes either
    (AWS reports them only when given). Each node group also gets its own
    scaling config (moto shared one default dict between them), validated like
    AWS (0 <= min <= desired <= max, max >= 1).
    """
    from moto.eks.models import Nodegroup

    original_init = Nodegroup.__init__

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("scaling_config"):
            kwargs["scaling_config"] = dict(kwargs["scaling_config"])
        _check_scaling(kwargs.get("scaling_config") or {"minSize": 2, "maxSize": 2, "desiredSize": 2})
        original_init(self, *args, **kwargs)
        self.scaling_config = dict(self.scaling_config)
        if not kwargs.get("remote_access"):
            self.remote_access = None
            self.resources = {k: v for k, v in self.resources.items() if k != "remoteAccessSecurityGroup"}
        if kwargs.get("launch_template"):
            if not kwargs.get("disk_size"):
                self.disk_size = None
            if not kwargs.get("instance_types"):
                self.instance_types = None

    Nodegroup.__init__ = init


def nodegroup_updates() -> None:
    """UpdateNodegroupConfig is recorded as an update; UpdateNodegroupVersion exists.

    The provider waits for both with DescribeUpdate. Scaling changes are
    validated against the merged config (so scaling to desiredSize 0 needs
    minSize 0, as in AWS). UpdateNodegroupVersion moves the launch template
    version and/or the Kubernetes/release version.
    """
    from moto.eks.models import EKSBackend
    from moto.eks.responses import EKSResponse

    _add_routes("{0}/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)/update-version$")
    original_update_config = EKSBackend.update_nodegroup_config

    @functools.wraps(original_update_config)
    def update_nodegroup_config(self: Any, cluster_name: str, nodegroup_name: str, **kwargs: Any) -> dict[str, Any]:
        nodegroup = _nodegroup(self, cluster_name, nodegroup_name)
        if kwargs.get("scaling_config"):
            _check_scaling({**nodegroup.scaling_config, **kwargs["scaling_config"]})
        update = original_update_config(self, cluster_name=cluster_name, nodegroup_name=nodegroup_name, **kwargs)
        _updates_of(self)[(cluster_name, nodegroup_name, update["id"])] = update
        return update

    def update_nodegroup_version(self: Any) -> Any:
        cluster_name, nodegroup_name = self._get_param("name"), self._get_param("nodegroupName")
        nodegroup = _nodegroup(self.eks_backend, cluster_name, nodegroup_name)
        params = []
        launch_template = self._get_param("launchTemplate")
        if launch_template:
            if not nodegroup.launch_template:
                raise _invalid_request("The node group was not created with a launch template.", cluster_name)
            for key in ("id", "name"):
                if key in launch_template and launch_template[key] != nodegroup.launch_template.get(key):
                    raise _invalid_parameter("A node group's launch template can't be replaced.", cluster_name)
            if launch_template.get("version"):
                nodegroup.launch_template["version"] = launch_template["version"]
                params.append({"type": "LaunchTemplateVersion", "value": launch_template["version"]})
        if self._get_param("version"):
            nodegroup.version = self._get_param("version")
            params.append({"type": "Version", "value": nodegroup.version})
        if self._get_param("releaseVersion"):
            nodegroup.release_version = self._get_param("releaseVersion")
            params.append({"type": "ReleaseVersion", "value": nodegroup.release_version})
        nodegroup.modified_at = utcnow()
        update = _record_update(self.eks_backend, cluster_name, nodegroup_name, "VersionUpdate", params)
        return ActionResult({"update": update})

    EKSBackend.update_nodegroup_config = update_nodegroup_config
    EKSResponse.update_nodegroup_version = update_nodegroup_version


def _tags_by_arn(backend: Any, arn: str) -> dict[str, str] | None:
    """The live tags dict of the cluster, node group, Fargate profile or access entry with this ARN."""
    for cluster in backend.clusters.values():
        if cluster.arn == arn:
            return cluster.tags
        for nodegroup in cluster.nodegroups.values():
            if nodegroup.arn == arn:
                return nodegroup.tags
        for profile in cluster.fargate_profiles.values():
            if profile.fargate_profile_arn == arn:
                return profile.tags
        for entry in _access_entries_of(cluster).values():
            if entry["accessEntryArn"] == arn:
                return entry["tags"]
    return None


def tags_on_every_eks_resource() -> None:
    """Tag/Untag/ListTagsForResource work for node groups, Fargate profiles and access entries.

    moto only tags clusters, so changing an `aws_eks_node_group`'s tags failed.
    """
    from moto.eks.models import EKSBackend

    def found(backend: Any, arn: str) -> dict[str, str]:
        tags = _tags_by_arn(backend, arn)
        if tags is None:
            raise _not_found("Resource was not found")
        return tags

    def tag_resource(self: Any, resource_arn: str, tags: dict[str, str]) -> None:
        found(self, resource_arn).update(tags or {})

    def untag_resource(self: Any, resource_arn: str, tag_keys: list[str]) -> None:
        existing = found(self, resource_arn)
        for key in tag_keys if isinstance(tag_keys, list) else [tag_keys]:
            existing.pop(key, None)

    def list_tags_for_resource(self: Any, resource_arn: str) -> dict[str, str]:
        return found(self, resource_arn)

    EKSBackend.tag_resource = tag_resource
    EKSBackend.untag_resource = untag_resource
    EKSBackend.list_tags_for_resource = list_tags_for_resource


# --- access entries -----------------------------------------------------------------


def _access_entries_of(cluster: Any) -> dict[str, dict[str, Any]]:
    """principalArn -> access entry (with its policy associations under "_policies")."""
    if not hasattr(cluster, "ephemera_access_entries"):
        cluster.ephemera_access_entries = {}
    return cluster.ephemera_access_entries


def _principal_parts(principal_arn: str, cluster_name: str) -> tuple[str, str, str]:
    """(account id, "role"|"user", name) of an IAM role or user ARN."""
    parts = principal_arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam":
        kind, _, path_and_name = parts[5].partition("/")
        if kind in ("role", "user") and path_and_name:
            return parts[4], kind, path_and_name.rsplit("/", 1)[-1]
    raise _invalid_parameter(f"The specified principalArn is invalid: invalid ARN {principal_arn}", cluster_name)


def _entry_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def access_entries() -> None:
    """EKS access entries and access policy associations (moto has no route for them).

    Create/Describe/List/Update/DeleteAccessEntry, Associate/Disassociate/
    ListAssociatedAccessPolicies and ListAccessPolicies, with the checks AWS
    makes: the cluster's authentication mode must be API or API_AND_CONFIG_MAP,
    the principal must be an IAM role or user ARN, one entry per principal, the
    policy must be one of AWS's access policies, a namespace scope needs
    namespaces. Entries are kept on the cluster, so they go with it.
    """
    from moto.eks.models import paginated_list
    from moto.eks.responses import EKSResponse
    from moto.eks.exceptions import ResourceInUseException

    _add_routes(
        "{0}/clusters/(?P<name>[^/]+)/access-entries$",
        "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$",
        "{0}/access-policies$",
    )

    def api_cluster(response: Any) -> Any:
        name = response._get_param("name")
        cluster = _cluster(response.eks_backend, name)
        mode = getattr(cluster, "access_config", {}).get("authenticationMode", "CONFIG_MAP")
        if mode not in ("API", "API_AND_CONFIG_MAP"):
            raise _invalid_request(
                "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
                "to perform this operation.",
                name,
            )
        return cluster

    def existing_entry(response: Any) -> tuple[Any, dict[str, Any]]:
        cluster = api_cluster(response)
        principal_arn = response._get_param("principalArn")
        entry = _access_entries_of(cluster).get(principal_arn)
        if entry is None:
            raise _not_found(
                f"The specified access entry resource is not found on cluster {cluster.name}.",
                clusterName=cluster.name,
            )
        return cluster, entry

    def create_access_entry(self: Any) -> Any:
        cluster = api_cluster(self)
        principal_arn = self._get_param("principalArn")
        account_id, kind, principal_name = _principal_parts(principal_arn, cluster.name)
        entries = _access_entries_of(cluster)
        if principal_arn in entries:
            raise ResourceInUseException(
                clusterName=cluster.name,
                nodegroupName=None,
                addonName=None,
                message=f"The specified access entry resource is already in use on cluster {cluster.name}.",
            )
        entry_type = self._get_param("type") or "STANDARD"
        if entry_type not in ACCESS_ENTRY_TYPES:
            raise _invalid_parameter(f"The access entry type {entry_type} is invalid.", cluster.name)
        groups = self._get_param("kubernetesGroups") or []
        if entry_type != "STANDARD" and groups:
            raise _invalid_parameter("kubernetesGroups can only be set for STANDARD access entries.", cluster.name)
        username = self._get_param("username")
        if not username:
            if entry_type != "STANDARD":
                username = "system:node:{{EC2PrivateDNSName}}"
            elif kind == "role":
                username = f"arn:aws:sts::{account_id}:assumed-role/{principal_name}/{{{{SessionName}}}}"
            else:
                username = principal_arn
        now = utcnow()
        entry = {
            "clusterName": cluster.name,
            "principalArn": principal_arn,
            "kubernetesGroups": list(groups),
            "accessEntryArn": (
                f"arn:{cluster.arn.split(':')[1]}:eks:{self.region}:{self.current_account}:access-entry/"
                f"{cluster.name}/{kind}/{account_id}/{principal_name}/{mock_random.uuid4()}"
            ),
            "createdAt": now,
            "modifiedAt": now,
            "tags": dict(self._get_param("tags") or {}),
            "username": username,
            "type": entry_type,
            "_policies": {},
        }
        entries[principal_arn] = entry
        return ActionResult({"accessEntry": _entry_view(entry)})

    def describe_access_entry(self: Any) -> Any:
        _, entry = existing_entry(self)
        return ActionResult({"accessEntry": _entry_view(entry)})

    def update_access_entry(self: Any) -> Any:
        cluster, entry = existing_entry(self)
        groups = self._get_param("kubernetesGroups")
        if groups is not None:
            if entry["type"] != "STANDARD" and groups:
                raise _invalid_parameter("kubernetesGroups can only be set for STANDARD access entries.", cluster.name)
            entry["kubernetesGroups"] = list(groups)
        if self._get_param("username"):
            entry["username"] = self._get_param("username")
        entry["modifiedAt"] = utcnow()
        return ActionResult({"accessEntry": _entry_view(entry)})

    def delete_access_entry(self: Any) -> Any:
        cluster, entry = existing_entry(self)
        del _access_entries_of(cluster)[entry["principalArn"]]
        return EmptyResult()

    def list_access_entries(self: Any) -> Any:
        cluster = api_cluster(self)
        policy_arn = self._get_param("associatedPolicyArn")
        arns = [
            arn
            for arn, entry in _access_entries_of(cluster).items()
            if not policy_arn or policy_arn in entry["_policies"]
        ]
        page, next_token = paginated_list(
            arns, int(self._get_param("maxResults") or 100), self._get_param("nextToken")
        )
        return ActionResult({"accessEntries": page, "nextToken": next_token})

    def associate_access_policy(self: Any) -> Any:
        cluster, entry = existing_entry(self)
        policy_arn = self._get_param("policyArn") or ""
        if not policy_arn.startswith(ACCESS_POLICY_PREFIX) or policy_arn[len(ACCESS_POLICY_PREFIX) :] not in ACCESS_POLICIES:
            raise _invalid_parameter(f"The policyArn {policy_arn} is invalid.", cluster.name)
        if entry["type"] != "STANDARD":
            raise _invalid_parameter("Access policies can only be associated with STANDARD access entries.", cluster.name)
        scope = self._get_param("accessScope") or {}
        if scope.get("type") not in ("cluster", "namespace"):
            raise _invalid_parameter("accessScope.type must be one of [cluster, namespace].", cluster.name)
        if scope["type"] == "namespace" and not scope.get("namespaces"):
            raise _invalid_parameter("accessScope.namespaces is required for a namespace scope.", cluster.name)
        if scope["type"] == "cluster" and scope.get("namespaces"):
            raise _invalid_parameter("accessScope.namespaces must be empty for a cluster scope.", cluster.name)
        now = utcnow()
        previous = entry["_policies"].get(policy_arn)
        association = {
            "policyArn": policy_arn,
            "accessScope": {"type": scope["type"], "namespaces": list(scope.get("namespaces") or [])},
            "associatedAt": previous["associatedAt"] if previous else now,
            "modifiedAt": now,
        }
        entry["_policies"][policy_arn] = association
        return ActionResult(
            {"clusterName": cluster.name, "principalArn": entry["principalArn"], "associatedAccessPolicy": association}
        )

    def list_associated_access_policies(self: Any) -> Any:
        cluster, entry = existing_entry(self)
        policies = entry["_policies"]
        page, next_token = paginated_list(
            list(policies), int(self._get_param("maxResults") or 100), self._get_param("nextToken")
        )
        return ActionResult(
            {
                "clusterName": cluster.name,
                "principalArn": entry["principalArn"],
                "associatedAccessPolicies": [policies[arn] for arn in page],
                "nextToken": next_token,
            }
        )

    def disassociate_access_policy(self: Any) -> Any:
        cluster, entry = existing_entry(self)
        policy_arn = self._get_param("policyArn")
        if entry["_policies"].pop(policy_arn, None) is None:
            raise _not_found(
                f"The specified policy {policy_arn} is not associated with the access entry.",
                clusterName=cluster.name,
            )
        return EmptyResult()

    def list_access_policies(self: Any) -> Any:
        return ActionResult(
            {"accessPolicies": [{"name": name, "arn": ACCESS_POLICY_PREFIX + name} for name in ACCESS_POLICIES]}
        )

    EKSResponse.create_access_entry = create_access_entry
    EKSResponse.describe_access_entry = describe_access_entry
    EKSResponse.update_access_entry = update_access_entry
    EKSResponse.delete_access_entry = delete_access_entry
    EKSResponse.list_access_entries = list_access_entries
    EKSResponse.associate_access_policy = associate_access_policy
    EKSResponse.list_associated_access_policies = list_associated_access_policies
    EKSResponse.disassociate_access_policy = disassociate_access_policy
    EKSResponse.list_access_policies = list_access_policies
