from django.urls import path

from services import map_views, views

app_name = "services"

urlpatterns = [
    path("requests/", views.my_requests, name="my_requests"),
    path("requests/new/", views.request_submit, name="request_submit"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/rate/", views.request_rate, name="request_rate"),
    path("requests/<int:pk>/status/", views.request_transition, name="request_transition"),
    path("requests/<int:pk>/assign/", views.request_assign, name="request_assign"),
    path(
        "requests/<int:pk>/expected-completion/",
        views.request_expected_completion,
        name="request_expected_completion",
    ),
    path("requests/<int:pk>/notes/", views.request_note_add, name="request_note_add"),
    path("requests/<int:pk>/replies/", views.request_reply_add, name="request_reply_add"),
    path(
        "requests/<int:pk>/information/",
        views.request_information_add,
        name="request_information_add",
    ),
    path("queue/", views.queue, name="queue"),
    path("queue/saved/", views.saved_filter_save, name="saved_filter_save"),
    path("queue/saved/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("queue/map/", map_views.request_map_page, name="request_map"),
    path("queue/log/", views.request_log_anonymous, name="request_log_anonymous"),
    path("queue/log/<int:resident_id>/", views.request_log, name="request_log"),
    path("overview/", views.overview, name="overview"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("me/data.json", views.my_data_download, {"fmt": "json"}, name="my_data_json"),
    path("me/data.csv", views.my_data_download, {"fmt": "csv"}, name="my_data_csv"),
]
