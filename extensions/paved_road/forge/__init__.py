"""The few calls paved-road makes to a forge's API (merge requests, commit statuses)."""
