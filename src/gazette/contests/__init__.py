"""Contests (jeux concours): règlement checks, entries, the verifiable draw, winners and purge.

Modules: ``rules`` (contest/* checks), ``scaffold`` (the règlement of ``gazette new contest``),
``entries`` (state database, eligibility), ``draw`` (commit-reveal procedure), ``ops`` (the
commands' steps), ``history`` (steps read from git), ``collect`` (Mastodon replies),
``calendar`` (lifecycle steps for the calendar and status). See docs/contests.md.
"""
