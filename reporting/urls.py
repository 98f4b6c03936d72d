from django.urls import path

from reporting import backoffice

app_name = "reporting"
urlpatterns: list = []
backoffice_urlpatterns = [path("numbers/", backoffice.numbers, name="numbers")]
