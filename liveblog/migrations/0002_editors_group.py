"""Create the "Editors" group with exactly the permissions editors need.

Editors curate blogs, entries, captions, images and corrections. They may not delete blogs (closing
is the editorial verb) and get no permission at all on users, groups or the removal log.
"""

from django.db import migrations

EDITORS = "Editors"
EDITOR_PERMISSIONS = {
    "blog": ["add", "change", "view"],
    "entry": ["add", "change", "delete", "view"],
    "caption": ["add", "change", "delete", "view"],
    "image": ["add", "change", "delete", "view"],
    "correction": ["add", "change", "delete", "view"],
}


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist already.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("liveblog")
    # Restored afterwards: tests call this with the real app registry, whose app config must
    # keep its models module or later flushes stop re-creating liveblog's permissions.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    codenames = [
        f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label="liveblog", codename__in=codenames
    )
    group.permissions.set(permissions)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("liveblog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
