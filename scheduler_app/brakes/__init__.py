"""Brakes on a job's slots: pauses (a user's or the system's) and blackout windows.

Beat keeps sending every slot; the worker's claim (scheduler_app.services.executions) asks
``selectors.job_slot_brake`` whether the slot's nominal time is braked, and if so records the
slot ``skipped`` with the reason. So a paused slot still has its one row, a pause takes effect
at the next claim (no reload of beat), and resuming sends nothing old: the slots of the pause
were recorded as they came due.
"""
