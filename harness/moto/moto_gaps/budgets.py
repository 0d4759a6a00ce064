"""AWS Budgets gaps in moto 5.2.1.

moto answers ListTagsForResource, TagResource, UntagResource, UpdateBudget,
UpdateNotification and every *Subscriber* call with HTTP 500, so any
`aws_budgets_budget` with tags or notifications was tainted on create.
"""

import json
from typing import Any

from moto.core.utils import unix_time


def _budget_arn(account_id: str, budget_name: str) -> str:
    return f"arn:aws:budgets::{account_id}:budget/{budget_name}"


def _tags_of(backend: Any) -> dict[str, dict[str, str]]:
    # Kept on the backend so `POST /moto-api/reset` clears it with everything else.
    if not hasattr(backend, "ephemera_tags"):
        backend.ephemera_tags = {}
    return backend.ephemera_tags


def _same_notification(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """AWS identifies a notification by its type, operator, threshold and threshold type."""
    try:
        same_threshold = float(a.get("Threshold", 0)) == float(b.get("Threshold", 0))
    except (TypeError, ValueError):
        same_threshold = a.get("Threshold") == b.get("Threshold")
    return (
        same_threshold
        and a.get("NotificationType") == b.get("NotificationType")
        and a.get("ComparisonOperator") == b.get("ComparisonOperator")
        and a.get("ThresholdType", "PERCENTAGE") == b.get("ThresholdType", "PERCENTAGE")
    )


def _same_subscriber(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("SubscriptionType") == b.get("SubscriptionType") and a.get("Address") == b.get("Address")


def _find_budget(backend: Any, account_id: str, budget_name: str) -> Any:
    from moto.budgets.exceptions import NotFoundException

    budget = backend.budgets[account_id].get(budget_name)
    if budget is None:
        raise NotFoundException(f"Unable to get budget: {budget_name} - the budget doesn't exist.")
    return budget


def _find_notification(budget: Any, details: dict[str, Any]) -> Any:
    from moto.budgets.exceptions import NotFoundException

    for notification in budget.notifications:
        if _same_notification(notification.details, details):
            return notification
    raise NotFoundException("Unable to find notification - the notification doesn't exist.")


def _find_tagged_budget_name(backend: Any, arn: str) -> tuple[str, str]:
    """Returns (account id, budget name) for a budget ARN, or raises NotFoundException."""
    from moto.budgets.exceptions import NotFoundException

    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "budgets" and parts[5].startswith("budget/"):
        account_id, name = parts[4], parts[5][len("budget/") :]
        if name in backend.budgets[account_id]:
            return account_id, name
    raise NotFoundException(f"Unable to find resource: {arn}")


def budget_tags() -> None:
    """Budget tags: ResourceTags on CreateBudget, Tag/Untag/ListTagsForResource.

    Tags are kept per budget ARN (arn:aws:budgets::<account>:budget/<name>) and
    dropped with the budget.
    """
    from moto.budgets.models import BudgetsBackend
    from moto.budgets.responses import BudgetsResponse

    original_create_budget = BudgetsResponse.create_budget
    original_delete_budget = BudgetsBackend.delete_budget

    def create_budget(self: Any) -> str:
        result = original_create_budget(self)
        tags = self._get_param("ResourceTags") or []
        if tags:
            arn = _budget_arn(self._get_param("AccountId"), self._get_param("Budget")["BudgetName"])
            _tags_of(self.backend)[arn] = {t["Key"]: t.get("Value", "") for t in tags}
        return result

    def delete_budget(self: Any, account_id: str, budget_name: str) -> None:
        original_delete_budget(self, account_id, budget_name)
        _tags_of(self).pop(_budget_arn(account_id, budget_name), None)

    def list_tags_for_resource(self: Any) -> str:
        arn = self._get_param("ResourceARN")
        _find_tagged_budget_name(self.backend, arn)
        tags = _tags_of(self.backend).get(arn, {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def tag_resource(self: Any) -> str:
        arn = self._get_param("ResourceARN")
        _find_tagged_budget_name(self.backend, arn)
        tags = _tags_of(self.backend).setdefault(arn, {})
        for tag in self._get_param("ResourceTags") or []:
            tags[tag["Key"]] = tag.get("Value", "")
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        arn = self._get_param("ResourceARN")
        _find_tagged_budget_name(self.backend, arn)
        tags = _tags_of(self.backend).get(arn, {})
        for key in self._get_param("ResourceTagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    BudgetsResponse.create_budget = create_budget
    BudgetsResponse.list_tags_for_resource = list_tags_for_resource
    BudgetsResponse.tag_resource = tag_resource
    BudgetsResponse.untag_resource = untag_resource
    BudgetsBackend.delete_budget = delete_budget


def budget_updates() -> None:
    """UpdateBudget and UpdateNotification, so changing a budget is an in-place update.

    UpdateBudget keeps the seeded CalculatedSpend and the TimePeriod unless the
    new budget states them, as AWS does.
    """
    from moto.budgets.responses import BudgetsResponse

    def update_budget(self: Any) -> str:
        account_id = self._get_param("AccountId")
        new = dict(self._get_param("NewBudget"))
        budget = _find_budget(self.backend, account_id, new["BudgetName"])
        for kept in ("CalculatedSpend", "TimePeriod"):
            if kept not in new and kept in budget.budget:
                new[kept] = budget.budget[kept]
        new["LastUpdatedTime"] = unix_time()
        budget.budget = new
        return json.dumps({})

    def update_notification(self: Any) -> str:
        budget = _find_budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"))
        notification = _find_notification(budget, self._get_param("OldNotification"))
        notification.details = self._get_param("NewNotification")
        return json.dumps({})

    BudgetsResponse.update_budget = update_budget
    BudgetsResponse.update_notification = update_notification


def budget_subscribers() -> None:
    """DescribeSubscribersForNotification and Create/Update/DeleteSubscriber.

    Also makes DeleteNotification and DescribeNotificationsForBudget match a
    notification the way AWS does (not by comparing whole request dicts), and
    answer NotFoundException instead of a 500 for a missing budget.
    """
    from moto.budgets.models import Budget, BudgetsBackend
    from moto.budgets.responses import BudgetsResponse

    def delete_notification(self: Any, details: dict[str, Any]) -> None:
        _find_notification(self, details)
        self.notifications = [n for n in self.notifications if not _same_notification(n.details, details)]

    def describe_notifications_for_budget(self: Any, account_id: str, budget_name: str) -> Any:
        return _find_budget(self, account_id, budget_name).get_notifications()

    def subscribers_of(response: Any) -> list[dict[str, Any]]:
        budget = _find_budget(response.backend, response._get_param("AccountId"), response._get_param("BudgetName"))
        notification = _find_notification(budget, response._get_param("Notification"))
        if notification.subscribers is None:
            notification.subscribers = []
        return notification.subscribers

    def describe_subscribers_for_notification(self: Any) -> str:
        subscribers = subscribers_of(self)
        return json.dumps({"Subscribers": subscribers, "NextToken": None})

    def create_subscriber(self: Any) -> str:
        from moto.budgets.exceptions import DuplicateRecordException

        subscribers = subscribers_of(self)
        new = self._get_param("Subscriber")
        if any(_same_subscriber(s, new) for s in subscribers):
            raise DuplicateRecordException(record_type="subscriber", record_name=new.get("Address", ""))
        subscribers.append(new)
        return json.dumps({})

    def delete_subscriber(self: Any) -> str:
        from moto.budgets.exceptions import NotFoundException

        subscribers = subscribers_of(self)
        gone = self._get_param("Subscriber")
        if not any(_same_subscriber(s, gone) for s in subscribers):
            raise NotFoundException("Unable to find subscriber - the subscriber doesn't exist.")
        subscribers[:] = [s for s in subscribers if not _same_subscriber(s, gone)]
        return json.dumps({})

    def update_subscriber(self: Any) -> str:
        from moto.budgets.exceptions import NotFoundException

        subscribers = subscribers_of(self)
        old, new = self._get_param("OldSubscriber"), self._get_param("NewSubscriber")
        for i, subscriber in enumerate(subscribers):
            if _same_subscriber(subscriber, old):
                subscribers[i] = new
                return json.dumps({})
        raise NotFoundException("Unable to find subscriber - the subscriber doesn't exist.")

    Budget.delete_notification = delete_notification
    BudgetsBackend.describe_notifications_for_budget = describe_notifications_for_budget
    BudgetsResponse.describe_subscribers_for_notification = describe_subscribers_for_notification
    BudgetsResponse.create_subscriber = create_subscriber
    BudgetsResponse.delete_subscriber = delete_subscriber
    BudgetsResponse.update_subscriber = update_subscriber
