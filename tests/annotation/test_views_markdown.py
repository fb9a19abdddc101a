import pytest

from annotation.templatetags.annotation_extras import markdown_filter


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("**bold** and `code`", ["<strong>bold</strong>", "<code>code</code>"], []),
        ("<img src=x onerror=alert(1)>", ["&lt;img"], ["<img"]),
        ("[a](javascript:alert(1))", [], ['href="javascript']),
        ("[a](https://example.org)", ['href="https://example.org"', 'rel="noopener noreferrer nofollow ugc"'], []),
        # Images are not fetched: a link named by the alt text instead.
        (
            "![pixel](https://example.org/p.png)",
            ['<a href="https://example.org/p.png" class="md-image"', "pixel</a>"],
            ["<img"],
        ),
        ("![](https://example.org/p.png)", ["https://example.org/p.png</a>"], ["<img"]),
        ("![x](javascript:alert(1))", [], ['href="javascript', "<img"]),
        # Code in a known language is highlighted on the server; other code is only escaped.
        (
            "```python\nprint('<b>')\n```",
            ['<pre class="highlight">', '<span class="nb">print</span>', "&lt;b&gt;"],
            ["<b>"],
        ),
        ("```nosuchlanguage\nx <y>\n```", ["<pre><code", "x &lt;y&gt;"], ["highlight", "<y>"]),
        ("| a |\n|---|\n| 1 |", ["<table>", "<td>1</td>"], []),
        ("line one\nline two", ["line one<br>"], []),
    ],
)
def test_markdown_is_rendered_and_sanitised(text, present, absent):
    html = markdown_filter(text)
    for fragment in present:
        assert fragment in html
    for fragment in absent:
        assert fragment not in html


def test_empty_text_renders_nothing():
    assert markdown_filter(None) == ""


def test_the_report_form_has_no_reason_chosen_beforehand():
    from annotation.forms import ReportForm

    form = ReportForm()
    assert form.fields["report_type"].choices[0][0] == ""
    assert 'value="spam" selected' not in str(form["report_type"])
    assert not ReportForm({"report_type": "", "reason": ""}).is_valid()
    assert ReportForm({"report_type": "spam", "reason": ""}).is_valid()


def test_the_review_form_puts_the_required_and_simple_labels_first():
    from annotation.forms import ReviewForm
    from annotation.labels import label_names

    form = ReviewForm(label_names=label_names(role="assistant", full=True))
    assert form.label_names[:4] == ["spam", "fails_task", "quality", "lang_mismatch"]
