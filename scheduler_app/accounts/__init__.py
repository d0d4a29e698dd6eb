"""LinkedIn accounts as the scheduler shows and changes them (API, dashboard, CLI): reads in
``selectors``, the session upload that queues its probe in ``services``. The accounts themselves
live in ``bots`` and are reached through ``bots.accounts`` only."""
