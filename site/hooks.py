"""MkDocs hook for the course site.

The lectures name the file a code block quotes in its fence (```swift chapters/dfdx/...),
which scripts/check-lectures reads. Markdown would take the path for junk after the
language, so this turns it into the block's title, which Material shows above the code.
"""
import re

QUOTED_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]+)[ \t]+(?P<path>[^\s{]+)[ \t]*$", re.M)


def on_page_markdown(markdown, page, config, files):
    return QUOTED_FENCE.sub(lambda m: f'{m["indent"]}```{m["lang"]} title="{m["path"]}"', markdown)
