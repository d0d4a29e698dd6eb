"""The base of every API class: who may call it (a key or a staff session; a read-only key only
for reads), set here once for every endpoint rather than per view."""
from rest_framework.views import APIView

from scheduler_app.api.auth import HasApiKeyOrStaffSession, WritesNeedWriteKey


class SchedulerApi(APIView):
    permission_classes = [HasApiKeyOrStaffSession, WritesNeedWriteKey]

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # DRF leaves view.response -> response -> renderer_context["view"] -> view: a reference
        # cycle that keeps every answer (1,000 jobs for the list) alive until a full GC pass.
        # Dropping one link lets reference counting free it as soon as it has been sent.
        self.response = None
        return response
