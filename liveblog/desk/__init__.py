"""The live desk: one admin page per blog where editors write, publish and tend its stream.

forms.py checks what the composer and the in-place editor send, views.py answers the page and
its partials (admin look and permissions, added to the admin by BlogAdmin.get_urls), presence.py
keeps the "(name) is editing this entry" notes in the cache. Every change goes through the model
verbs (Entry.publish(), schedule(), pin(), ...): the desk adds no rule of its own.
"""
