import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from playbook.models import Revision, Section
from playbook.permissions import CHAMPIONS_GROUP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("a-long-test-password-2026")


class ChampionFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def champion_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=CHAMPIONS_GROUP))


class RevisionFactory(factory.django.DjangoModelFactory):
    """A bare revision row (no locking, current_revision untouched): for bulk history only.

    Tests of behaviour go through ``playbook.services``.
    """

    class Meta:
        model = Revision

    section = factory.LazyFunction(lambda: Section.objects.get(slug="target-audience"))
    number = factory.Sequence(lambda n: n + 100)
    title = factory.Faker("sentence", nb_words=4)
    body = factory.Faker("paragraph", nb_sentences=6)
    change_note = factory.Faker("sentence", nb_words=6)
    author = factory.SubFactory(UserFactory)
