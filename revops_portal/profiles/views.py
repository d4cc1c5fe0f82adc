"""The language switcher: in the top bar, and on the log-in page before anyone signs in."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import languages


@login_not_required
@require_POST
def choose_language(request):
    code = request.POST.get("language", "")
    if code and not languages.is_offered(code):
        return HttpResponseBadRequest(_("Unknown language."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    languages.choose(request, response, code)
    return response
