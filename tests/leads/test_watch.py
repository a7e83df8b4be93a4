"""The lead list's watch (callscript.leads.ListWatch): cheap looks, stale only when something
changed or a listed lead's time came round, each due callback alerted once."""

from __future__ import annotations

from datetime import timedelta

from callscript.core.lifecycle import REDIAL_ASKS_WITHIN, called_recently
from callscript.leads import ListWatch, lead_list
from callscript.storage import Store
from leads.helpers import MONDAY, call, mobile


def test_a_look_that_finds_nothing_new_is_not_stale(store):
    store.add_lead("甲公司", mobile(1))
    watch = ListWatch("王芳")
    store.ensure_agent("王芳")
    assert watch.look(store, MONDAY).stale  # the first look: read the list
    assert not watch.look(store, MONDAY + timedelta(seconds=3)).stale
    assert not watch.look(store, MONDAY + timedelta(seconds=6)).stale


def test_a_change_here_or_in_another_process_makes_it_stale(store, tmp_path):
    store.ensure_agent("王芳")
    watch = ListWatch("王芳")
    watch.look(store, MONDAY)
    store.add_lead("甲公司", mobile(1))  # this connection
    assert watch.look(store, MONDAY + timedelta(seconds=3)).stale
    assert not watch.look(store, MONDAY + timedelta(seconds=6)).stale
    with Store.open(store.path) as other:  # another agent's app, an import from the command line
        other.add_lead("乙公司", mobile(2))
    assert watch.look(store, MONDAY + timedelta(seconds=9)).stale


def test_a_callback_coming_due_is_alerted_once_and_makes_the_list_stale(store, script):
    lead = store.add_lead("甲公司", mobile(1), contact="张经理")
    other = store.add_lead("乙公司", mobile(2))
    due = MONDAY + timedelta(minutes=30)
    call(store, script, lead.id, "王芳", "callback", callback_due=due)
    call(store, script, other.id, "李明", "callback", callback_due=due)  # another agent's
    watch = ListWatch("王芳")
    t = MONDAY + timedelta(minutes=10)
    watch.look(store, t)
    quiet = watch.look(store, t + timedelta(minutes=5))
    assert not quiet.stale and quiet.came_due == ()
    look = watch.look(store, due + timedelta(seconds=2))
    assert look.stale
    [alert] = look.came_due
    assert alert.lead.id == lead.id and alert.due_at == due
    assert alert.text == "回电时间到: 甲公司 张经理 (约好 10:30)"
    again = watch.look(store, due + timedelta(seconds=5))
    assert again.came_due == () and not again.stale
    [first] = lead_list(store, agent="王芳", now=due + timedelta(seconds=5))
    assert first.lead.id == lead.id and first.stage == "callback_due"  # due callbacks at the top


def test_callbacks_due_before_watching_starts_are_not_alerts(store, script):
    lead = store.add_lead("甲公司", mobile(1))
    call(store, script, lead.id, "王芳", "callback", callback_due=MONDAY + timedelta(minutes=30))
    watch = ListWatch("王芳")
    assert watch.look(store, MONDAY + timedelta(hours=2)).came_due == ()  # already at the top, in red


def test_a_retry_coming_due_makes_the_list_stale_without_an_alert(store, script):
    lead = store.add_lead("甲公司", mobile(1))
    call(store, script, lead.id, "王芳", "no_answer")
    retry_at = store.get_lead(lead.id).next_call_at
    watch = ListWatch("王芳")
    watch.look(store, MONDAY + timedelta(minutes=10))
    assert not watch.look(store, retry_at - timedelta(seconds=1)).stale
    look = watch.look(store, retry_at + timedelta(seconds=1))
    assert look.stale and look.came_due == ()


def test_a_lead_called_within_the_hour_asks_before_a_redial():
    assert called_recently(MONDAY, MONDAY + timedelta(minutes=1))
    assert called_recently(MONDAY, MONDAY + REDIAL_ASKS_WITHIN - timedelta(seconds=1))
    assert not called_recently(MONDAY, MONDAY + REDIAL_ASKS_WITHIN)
    assert not called_recently(None, MONDAY)
