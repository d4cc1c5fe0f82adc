from django.shortcuts import render


def scorecard(request):
    return render(request, "metrics/scorecard.html", {})
