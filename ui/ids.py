"""Every action id and callback id, once: the handlers route on them and ui/ puts them on what it draws."""

from __future__ import annotations

# Forms (a view's callback_id)
INTAKE_CALLBACK = "idea_intake"
DECISION_CALLBACK = "idea_decision"
MERGE_CALLBACK = "idea_merge"
SUPPORT_CALLBACK = "idea_support"
REVIEW_CALLBACK = "idea_review"
OKR_CALLBACK = "idea_okr"
SETTINGS_CALLBACK = "idea_settings"
# The message shortcut
SHORTCUT_CALLBACK = "idea_from_message"
# Buttons and selects (an element's action_id)
MOVE_ACTION_PREFIX = "idea_move_"  # + the stage asked for
MERGE_ACTION = "merge_idea"
SUPPORT_ACTION = "support_idea"
REVIEW_PREFIX = "review_"  # + met, partly, not_yet or missed
REVIEW_MET, REVIEW_PARTLY = "review_met", "review_partly"
REVIEW_NOT_YET, REVIEW_MISSED = "review_not_yet", "review_missed"
NUDGE_SHARE, NUDGE_DISMISS, NUDGE_OPT_OUT = "nudge_share", "nudge_dismiss", "nudge_opt_out"
USE_SUGGESTION = "use_suggestion"
ADD_OBJECTIVE, EDIT_OBJECTIVE, SET_OBJECTIVE = "add_objective", "edit_objective", "set_objective"
FIND_OBJECTIVE = "find_objective"  # App Home's menu of objectives older than it lists, to edit one
INTAKE_OBJECTIVE = "objective"  # the idea form's menu of objectives (its block, action and value share the name)
RETRY_DELIVERIES, DISMISS_DELIVERIES = "deliveries_retry", "deliveries_dismiss"
LINK_ISSUE = "link_issue"  # link an idea in delivery to a tracker issue
LINK_ISSUE_CALLBACK = "idea_link_issue"
# The customer feedback inbox on the PMs' Home tab
INBOX_MAKE_IDEA, INBOX_ATTACH, INBOX_NOT_A_REQUEST = "inbox_make_idea", "inbox_attach", "inbox_not_a_request"
