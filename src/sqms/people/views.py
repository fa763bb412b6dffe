from django.http import HttpRequest, HttpResponse


def scorecards(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def leaderboard(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
