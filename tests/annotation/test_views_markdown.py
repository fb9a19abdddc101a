import pytest

from annotation.templatetags.annotation_extras import markdown_filter


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("**bold** and `code`", ["<strong>bold</strong>", "<code>code</code>"], []),
        ("<img src=x onerror=alert(1)>", ["&lt;img"], ["<img"]),
        ("[a](javascript:alert(1))", [], ['href="javascript']),
        ("[a](https://example.org)", ['href="https://example.org"', 'rel="noopener noreferrer nofollow ugc"'], []),
        ("![pixel](https://example.org/p.png)", [], ["<img"]),
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
