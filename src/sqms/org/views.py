from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from sqms.core.errors import DomainError
from sqms.org import selectors, services
from sqms.org.models import Raci


@staff_member_required
def raci(request: HttpRequest) -> HttpResponse:
    """The responsibility matrix (processes × roles), editable in place by those allowed to."""
    if not request.user.has_perm("org.view_responsibility"):
        raise PermissionDenied
    can_edit = request.user.has_perm("org.change_responsibility")
    if request.method == "POST" and can_edit:
        procs = {str(p.pk): p for p in selectors.processes(request.user)}
        changed = 0
        try:
            _p, roles, cells = selectors.raci_matrix(request.user)
            for key, value in request.POST.items():
                if not key.startswith("cell-"):
                    continue
                _prefix, proc_id, role = key.split("-", 2)
                if proc_id in procs and cells.get((int(proc_id), role), "") != value:
                    services.set_responsibility(
                        actor=request.user, process=procs[proc_id], role=role, raci=value or None
                    )
                    changed += 1
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s cells saved.") % {"n": changed})
        return HttpResponseRedirect(request.path)
    procs, roles, cells = selectors.raci_matrix(request.user)
    rows = [(p, [(code, cells.get((p.pk, code), "")) for code, _label in roles]) for p in procs]
    context = {
        **admin.site.each_context(request),
        "title": _("Responsibility matrix"),
        "roles": roles,
        "rows": rows,
        "can_edit": can_edit,
        "choices": Raci.choices,
    }
    return render(request, "org/raci.html", context)
