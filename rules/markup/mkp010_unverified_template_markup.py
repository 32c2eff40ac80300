"""MKP010 unverified-template-markup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import markup_problems


@rule(
    code="MKP010",
    name="unverified-template-markup",
    summary="Unbalanced tags that template branches may balance: could not verify",
    severity="info",
    section="markup",
)
def unverified_template_markup(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports the unclosed and stray tags of MKP001 and MKP002 that sit across a
    template branch (`{% if %}`, `{% else %}`, `{{#if}}`, `{{else}}`, `*|IF:|*`,
    `%%[ IF ]%%`): the template may open a tag in each branch and close it once,
    which is balanced in every rendered email. oopslint cannot tell from the
    template alone, so it says so at a lower severity instead of guessing. Lint the
    rendered email (`--rendered`) to have MKP001/MKP002 judge it.

    Why is this bad?
    It may not be: but if one branch forgets its end tag, only the readers who get
    that branch see the broken layout, which is the hardest kind of bug to notice.

    Example
    ```html
    {% if vip %}<div class="vip">{% else %}<div class="member">{% endif %}
      Welcome back!
    </div>
    ```

    Use instead
    ```html
    <div class="{% if vip %}vip{% else %}member{% endif %}">
      Welcome back!
    </div>
    ```
    """
    for problem in markup_problems(email):
        if problem.branch is None:
            continue
        branch_line = email.position(problem.branch)[0]
        yield Finding(
            f"Could not verify: {problem.message} (the template branch on line {branch_line} may balance it)",
            span=email.span(problem.start, problem.end),
            data={"tag": problem.tag, "branch_line": branch_line, "kind": problem.kind},
        )
