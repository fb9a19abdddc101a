"""The ``detoxify`` field of exports comes from the configured models; a classifier's flag is not a report event."""

import pytest

from annotation.models import Report, ToxicityScore
from exports.filters import ExportFilter
from tests.exports.conftest import export_objs
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    prompt = make_prompt(state="ready_for_export")
    reply = make_reply(prompt)
    return prompt, reply


def nodes():
    (line,) = export_objs(ExportFilter.everything(), flat=False)
    prompt = line["prompt"]
    return prompt, prompt["replies"][0]


def test_detoxify_holds_the_configured_classifier_scores_unless_imported_ones_exist(tree, settings):
    prompt, reply = tree
    own = "alt-profanity-check-1.9.1"
    settings.TOXICITY_MODEL_NAME = own
    ToxicityScore.objects.create(message=prompt, model_name=own, scores={"toxicity": 0.1})
    ToxicityScore.objects.create(message=reply, model_name=own, scores={"toxicity": 0.2})
    ToxicityScore.objects.create(message=reply, model_name="detoxify", scores={"toxicity": 0.3, "threat": 0.01})
    ToxicityScore.objects.create(message=reply, model_name="unrelated", scores={"toxicity": 0.9})
    exported_prompt, exported_reply = nodes()
    assert exported_prompt["detoxify"] == {"toxicity": 0.1}
    assert exported_reply["detoxify"] == {"toxicity": 0.3, "threat": 0.01}


def test_the_export_models_setting_chooses_the_scores(tree, settings):
    _, reply = tree
    ToxicityScore.objects.create(message=reply, model_name="detoxify", scores={"toxicity": 0.3})
    ToxicityScore.objects.create(message=reply, model_name="xlmr-toxicity", scores={"toxicity": 0.6})
    settings.TOXICITY_EXPORT_MODELS = ["xlmr-toxicity"]
    exported_prompt, exported_reply = nodes()
    assert "detoxify" not in exported_prompt and exported_reply["detoxify"] == {"toxicity": 0.6}
    settings.TOXICITY_EXPORT_MODELS = ["other", "xlmr-toxicity", "detoxify"]
    assert nodes()[1]["detoxify"] == {"toxicity": 0.6}


def test_a_toxicity_flag_is_not_exported_as_a_report_event(tree):
    _, reply = tree
    Report.objects.create(message=reply, report_type="toxicity", reason="keywords-1", labels={"toxicity": 0.9})
    reporter = UserFactory()
    Report.objects.create(message=reply, user=reporter, report_type="spam", reason="ads")
    events = nodes()[1]["events"]["report"]
    assert events == [{"type": "report", "user_id": str(reporter.pk), "report_type": "spam", "reason": "ads"}]
