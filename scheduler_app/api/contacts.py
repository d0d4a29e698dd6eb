"""A contact's language: the one thing about a person the API writes.

``PATCH /scheduler/contacts/{slug}`` with ``{"language": "en"}`` makes the bots write to the profile
``/in/{slug}/`` in English whatever the job or the account says (``""`` clears it). The slug is
the part of the profile's address after ``/in/``; a profile the bots have not met yet is
remembered now, so a language can be set before the first birthday. Precedence: the contact's
language, then the job's ``bot_config.message_language``, then the account's ``message_language``,
then ``fr`` (bots/messages.py).
"""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from bots.templates import InvalidInput, contact_language_set
from scheduler_app.api.auth import api_actor
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.jobs import strict_body

TAGS = ["contacts"]


class ContactApi(SchedulerApi):
    class InputSerializer(serializers.Serializer):
        language = serializers.CharField(max_length=35, allow_blank=True, trim_whitespace=False,
                                         help_text="BCP-47 tag (fr, en, fr-CA); empty: none of their own.")

    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        name = serializers.CharField(help_text="As LinkedIn last showed it; empty until a run meets the profile.")
        language = serializers.CharField(help_text="Empty: the job's, else the account's, else fr.")

    @extend_schema(tags=TAGS, operation_id="contact_update", request=InputSerializer,
                   responses={200: OutputSerializer},
                   description="Set the language this person is written in (created when not seen yet).")
    def patch(self, request, slug: str):
        data = strict_body(self.InputSerializer, request.data)
        if "language" not in data:
            raise serializers.ValidationError({"language": ["This field is required."]})
        try:
            contact = contact_language_set(slug=slug, language=data["language"], actor=api_actor(request))
        except InvalidInput as exc:
            raise serializers.ValidationError({exc.field or "language": [str(exc)]}) from None
        return Response(self.OutputSerializer(contact).data)
