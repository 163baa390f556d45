"""Blog teams: who works on which blog, in which role, and what each role may do.

A blog's team is a list of members, each a contributor, an editor or a blog admin
(`models.Membership`). `rules` is the one home of "who may do what on this blog": the admin,
the live desk and the API all ask it, and the models' visibility (`visible_to()`) asks it which
blogs a user works on.

Why a membership model and not per-object permissions (django-guardian): a member's rights on
a blog follow from one role, so a role is one row with one field, read in one indexed query per
request, shown and edited as one column (admin inline, `/api/blogs/<slug>/members/`). Guardian
would keep a row per permission per user per blog, keyed by a text object id: a role change
would rewrite several rows, "which blogs may this user see drafts of" would join on a cast
column, and the question "what is Carla on this blog" would have no single answer to show.
Newsroom-wide rights stay Django's model permissions (the Editors group, superusers): they hold
on every blog.
"""
