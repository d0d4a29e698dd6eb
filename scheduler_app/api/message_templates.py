"""Message template preview: what a body would send, before it is saved.

The body goes through the same parser as the templates' validation and the bot's rendering
(bots/spintax.py, behind the bots.templates door), so a body this accepts is one the admin stores,
and the renders are texts a run can send. A bad body is the API's usual 400, its message naming
the character position. Nothing is stored.
"""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from bots.templates import BODY_MAX, PREVIEW_DAYS_LATE, TEMPLATE_KINDS, InvalidInput, template_preview
from scheduler_app.api.base import SchedulerApi
from scheduler_app.api.jobs import strict_body

TAGS = ["message templates"]
PREVIEW_MAX = 50


class MessageTemplatePreviewApi(SchedulerApi):
    """Up to ``count`` distinct texts the body can produce for a contact called ``first_name``
    (``last_name``), and how many ways its spintax can fall. Nothing is stored."""

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=BODY_MAX, trim_whitespace=False,
                                     help_text="The template: variables, spintax, {{ and }} for literal braces.")
        count = serializers.IntegerField(min_value=1, max_value=PREVIEW_MAX, required=False, default=3)
        first_name = serializers.CharField(max_length=100, required=False, default="Camille")
        last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        kind = serializers.ChoiceField(choices=TEMPLATE_KINDS, required=False, default="today",
                                       help_text=f"late allows {{days_late}} (shown as {PREVIEW_DAYS_LATE}).")

    class OutputSerializer(serializers.Serializer):
        renders = serializers.ListField(child=serializers.CharField(), help_text="distinct texts, at most count")
        variations = serializers.IntegerField(help_text="how many ways the spintax choices can fall")

    @extend_schema(tags=TAGS, operation_id="message_template_preview", request=InputSerializer,
                   responses={200: OutputSerializer})
    def post(self, request):
        data = strict_body(self.InputSerializer, request.data)
        if "body" not in data:
            raise serializers.ValidationError({"body": ["This field is required."]})
        try:
            preview = template_preview(body=data["body"], count=data["count"], first_name=data["first_name"],
                                       last_name=data["last_name"], kind=data["kind"])
        except InvalidInput as exc:
            raise serializers.ValidationError({exc.field or "body": [str(exc)]}) from None
        return Response({"renders": preview.renders, "variations": preview.variations})
