"""Factories for bulletins and their recipients, written directly (bulletin_create resolves targets)."""

import factory

from bulletins.models import Bulletin, BulletinKind, BulletinRecipient
from tests.support.factories.cases import unit


class BulletinFactory(factory.django.DjangoModelFactory):
    """A draft wanted notice of 云南省公安厅; `recipients=[code, …]` adds recipient rows."""

    class Meta:
        model = Bulletin
        skip_postgeneration_save = True

    kind = BulletinKind.WANTED_NOTICE
    title = factory.Sequence(lambda n: f"涉枪涉爆协查通报（{n}）")
    body = "请各单位协助查找下列涉枪涉爆线索。"
    issuing_unit = factory.LazyFunction(lambda: unit("530000"))

    @factory.post_generation
    def recipients(obj, create, extracted, **kwargs):
        if create and extracted:
            for code in extracted:
                BulletinRecipientFactory(bulletin=obj, unit=unit(code))
            obj.recipient_count = obj.recipients.count()
            obj.save(update_fields=["recipient_count"])


class BulletinRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BulletinRecipient

    bulletin = factory.SubFactory(BulletinFactory)
    unit = factory.LazyFunction(lambda: unit("530102"))
    unit_path = factory.LazyAttribute(lambda o: o.unit.path)
    province_code = factory.LazyAttribute(lambda o: o.unit.province_code)
