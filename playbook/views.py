from django.shortcuts import render


def index(request):
    return render(request, "playbook/index.html", {})
