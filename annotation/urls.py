from django.urls import path

from annotation.views import browse, conversation, guidelines, my_work, tasks

app_name = "annotation"

urlpatterns = [
    path("tasks/new/", tasks.task_new, name="task_new"),
    path("tasks/chooser/", tasks.task_chooser, name="task_chooser"),
    path("tasks/release/", tasks.task_release_all, name="task_release_all"),
    path("tasks/preview/", tasks.markdown_preview, name="markdown_preview"),
    path("tasks/intro/dismiss/", tasks.task_intro_dismiss, name="task_intro_dismiss"),
    path("tasks/<uuid:task_id>/", tasks.task_detail, name="task_detail"),
    path("tasks/<uuid:task_id>/submit/", tasks.task_submit, name="task_submit"),
    path("tasks/<uuid:task_id>/skip/", tasks.task_skip, name="task_skip"),
    path("tasks/<uuid:task_id>/renew/", tasks.task_renew, name="task_renew"),
    path("tasks/<uuid:task_id>/draft/", tasks.task_draft, name="task_draft"),
    path("tasks/<uuid:task_id>/release/", tasks.task_release, name="task_release"),
    path("my/work/", my_work.my_work_page, name="my_work"),
    path("guidelines/", guidelines.guidelines, name="guidelines"),
    path("guidelines/<slug:slug>/", guidelines.guideline, name="guideline"),
    path("browse/", browse.browse, name="browse"),
    path("trees/<uuid:tree_id>/", conversation.tree_detail, name="tree_detail"),
    path("messages/<uuid:message_id>/", conversation.message_detail, name="message_detail"),
    path("messages/<uuid:message_id>/card/", conversation.message_card, name="message_card"),
    path("messages/<uuid:message_id>/react/", conversation.message_react, name="message_react"),
    path("messages/<uuid:message_id>/report/", conversation.message_report, name="message_report"),
    path("messages/<uuid:message_id>/edit/", conversation.message_edit, name="message_edit"),
]
