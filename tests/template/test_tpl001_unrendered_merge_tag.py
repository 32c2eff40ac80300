"""TPL001 unrendered-merge-tag: rendered mode reports every tag left, wherever it is."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from oopslint import Email

LEFTOVER = "postmark/receipt.leftover-tags.html"
RENDERED = "postmark/receipt.rendered.html"


def test_reports_tag_left_in_text_and_percent_encoded_in_href(tpl):
    report = tpl.lint(LEFTOVER, mode="rendered", select="TPL001")
    found = tpl.findings(report, "TPL001")
    assert len(found) == 2
    text, href = found
    assert (text.line, text.column) == tpl.locate(LEFTOVER, "{{credit_card_last_four}}")
    assert (text.end_line, text.end_column) == tpl.locate(LEFTOVER, "{{credit_card_last_four}}", offset=25)
    assert text.message == (
        "Unrendered merge tag {{credit_card_last_four}} in the body text: recipients will see it exactly as typed"
    )
    assert text.severity.name == "ERROR"
    # the encoded tag is found after decoding; the finding covers the href it sits in
    assert (href.line, href.column) == tpl.locate(LEFTOVER, "https://acme.example/billing?customer=")
    assert href.message == (
        "Unrendered merge tag {{customer_id}} (percent-encoded) in the href of <a>: the link is broken"
    )
    assert href.data["percent_encoded"] is True
    assert report.exit_code == 1


def test_quiet_on_a_fully_rendered_real_email(tpl):
    report = tpl.lint(RENDERED, mode="rendered")
    assert tpl.findings(report, "TPL001") == []


def test_does_not_run_in_template_mode(tpl):
    report = tpl.lint("postmark/receipt.source.html", mode="template")
    assert tpl.findings(report, "TPL001") == []


def test_every_tag_of_a_real_template_is_reported_in_rendered_mode(tpl):
    source = tpl.text("postmark/receipt.source.html")
    report = tpl.lint("postmark/receipt.source.html", mode="rendered", select="TPL001")
    found = tpl.findings(report, "TPL001")
    # every {{...}} of the receipt, counted independently; none twice
    assert len(found) == source.count("{{")
    assert len({(f.line, f.column) for f in found}) == len(found)
    preheader = found[0]
    assert preheader.message.startswith("Unrendered merge tag {{ purchase_date }} in the preheader")
    assert (preheader.line, preheader.column) == tpl.locate("postmark/receipt.source.html", "{{ purchase_date }}")


def test_tags_in_other_attributes_title_and_style(tpl):
    html = tpl.text(RENDERED)
    html = html.replace("<title></title>", "<title>{{ subject }}</title>", 1)
    html = html.replace('<td class="email-masthead">', '<td class="email-masthead" bgcolor="{{brand_color}}">', 1)
    html = html.replace("a {\n      color: #3869D4;", "a {\n      color: {{ link_color }};", 1)
    report = tpl.lint(html, mode="rendered", select="TPL001")
    messages = {f.message for f in report.findings}
    assert "Unrendered merge tag {{ subject }} in <title>: recipients will see it exactly as typed" in messages
    assert (
        "Unrendered merge tag {{brand_color}} in the bgcolor of <td>: recipients will see it exactly as typed"
        in messages
    )
    assert "Unrendered merge tag {{ link_color }} in <style>: the style is broken" in messages
    bgcolor = next(f for f in report.findings if "brand_color" in f.message)
    assert (bgcolor.line, bgcolor.column) == tpl.locate(html, "{{brand_color}}")


@pytest.mark.parametrize(
    ("tag", "dialect"),
    [
        ("*|FNAME|*", "mailchimp"),
        ("%%FirstName%%", "salesforce"),
        ("{% if vip %}", "jinja"),
        ("[firstname,fallback=there]", "campaign-monitor"),
        ("@FIRSTNAME@", "dotdigital"),
        ("<%= user.first_name %>", "erb"),
        ("<%- locals.name %>", "erb"),
        ("${user.firstName}", "freemarker"),
        ("<#if user.vip>", "freemarker"),
        ("@if($user->vip)", "blade"),
        ("{!! $user->name !!}", "blade"),
    ],
)
def test_every_default_dialect_is_caught(tpl, tag, dialect):
    html = tpl.text(RENDERED).replace("<h1>Hi Ada,</h1>", f"<h1>Hi {tag},</h1>", 1)
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL001"), "TPL001")
    assert [f.data["dialect"] for f in found] == [dialect]
    assert (found[0].line, found[0].column) == tpl.locate(html, tag)


def test_subject_of_an_eml_file(tpl):
    name = "eml/newsletter.leftover-subject.eml"
    found = tpl.findings(tpl.lint(name, mode="rendered", select="TPL001"), "TPL001")
    assert len(found) == 1
    assert found[0].message == "Unrendered merge tag *|FNAME|* in the subject: recipients will see it exactly as typed"
    assert (found[0].line, found[0].column) == tpl.locate(name, "*|FNAME|*")


def test_headers_and_plain_text_part_of_a_message(tpl):
    message = EmailMessage()
    message["From"] = "{{ sender_name }} <news@acme.example>"
    message["To"] = "ada@example.com"
    message["Subject"] = "Your receipt"
    message.set_content("Hi {{ name }},\nthanks for your order.\n")
    message.add_alternative(tpl.text(RENDERED), subtype="html")
    found = tpl.findings(tpl.lint(message, mode="rendered", select="TPL001"), "TPL001")
    messages = sorted(f.message for f in found)
    assert messages == [
        "Unrendered merge tag {{ name }} in the plain-text part (its line 1): recipients will see it exactly as typed",
        "Unrendered merge tag {{ sender_name }} in the From header: recipients will see it exactly as typed",
    ]


def test_a_tag_in_the_subject_given_through_the_api(tpl):
    found = tpl.findings(tpl.lint(RENDERED, mode="rendered", subject="Receipt for {{ name }}"), "TPL001")
    assert [f.message for f in found] == [
        "Unrendered merge tag {{ name }} in the subject: recipients will see it exactly as typed"
    ]
    assert found[0].line is None  # the subject came from code, not from a file


def test_ambiguous_dialects_only_when_configured(tpl):
    html = tpl.text(RENDERED).replace("<h1>Hi Ada,</h1>", "<h1>Hi %FIRSTNAME%,</h1>", 1)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL001"), "TPL001") == []
    configured = tpl.lint(html, mode="rendered", select="TPL001", config={"dialects": ["default", "activecampaign"]})
    assert [f.data["token"] for f in tpl.findings(configured, "TPL001")] == ["%FIRSTNAME%"]


def test_braces_written_as_entities_are_meant_to_be_shown(tpl):
    # Postmark's example template shows its own syntax: "&#123;&#123; something }} will turn into ..."
    html = tpl.text(RENDERED).replace(
        "<h1>Hi Ada,</h1>", "<h1>Hi Ada,</h1><p>Type &#123;&#123; name }} in a template to greet people.</p>", 1
    )
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL001"), "TPL001") == []


def test_an_erb_or_ejs_template_is_a_template(tpl):
    """Rails Action Mailer (ERB) and Node (EJS) templates: their tags are masked
    in template mode, as {{ }} are, and every one left in rendered mail is an error."""
    html = (
        '<!doctype html>\n<html lang="en"><head><title>Welcome</title></head><body>\n'
        '<table role="presentation">\n<% if @user.confirmed? %>\n'
        "<tr><td><p>Hi <%= @user.first_name %>, welcome to <%- product.name %>.</p>\n"
        '<p><a href="<%= confirmation_url(@token) %>">Confirm your account</a></p>\n'
        '<img src="<%= image_url(\'logo.png\') %>" alt="Acme"></td></tr>\n<% end %>\n'
        "</table>\n<%# the footer lives in a layout %>\n</body></html>\n"
    )
    template = tpl.lint(html, mode="template")
    assert [f.code for f in template.findings if f.code not in ("TPL010",)] == []
    rendered = tpl.findings(tpl.lint(html, mode="rendered", select="TPL001"), "TPL001")
    assert [(f.data["dialect"], f.data["token"]) for f in rendered] == [
        ("erb", "<% if @user.confirmed? %>"),
        ("erb", "<%= @user.first_name %>"),
        ("erb", "<%- product.name %>"),
        ("erb", "<%= confirmation_url(@token) %>"),
        ("erb", "<%= image_url('logo.png') %>"),
        ("erb", "<% end %>"),
        ("erb", "<%# the footer lives in a layout %>"),
    ]


def test_a_folder_of_rails_mailer_views_is_linted(tmp_path, cli):
    views = tmp_path / "app" / "views" / "user_mailer"
    views.mkdir(parents=True)
    (views / "welcome.html.erb").write_text(
        '<!doctype html><html lang="en"><head><title>Welcome</title></head><body>'
        '<p>Hi <%= @user.first_name %>, <a href="<%= confirmation_url %>">confirm your account</a>.</p>'
        "<p>Lorem ipsum dolor sit amet.</p></body></html>",
        encoding="utf-8",
    )
    (views / "welcome.text.erb").write_text(
        "Hi <%= @user.first_name %>, lorem ipsum dolor sit amet.\n", encoding="utf-8"
    )
    result = cli("check", "--offline", "--format", "json", "--select", "TPL002,LNK007", str(tmp_path))
    report = json.loads(result.stdout)
    assert [(Path(f["path"]).name, [x["code"] for x in f["findings"]]) for f in report["files"]] == [
        ("welcome.html.erb", ["TPL002"])
    ]
    assert result.returncode == 1


def test_keycloak_freemarker_and_laravel_blade_templates_are_templates(tpl):
    freemarker = (
        '<#import "template.ftl" as layout>\n<html lang="en"><head><title>${msg("emailVerificationSubject")}'
        '</title></head><body>\n<table role="presentation"><tr><td <#if wide>width="600"</#if> '
        'style="color:#333333">\n<#if user.firstName??><p>Hello ${user.firstName},</p></#if>\n'
        '<p><a href="${link}">Verify your email</a></p>\n<#-- the link expires -->\n'
        "<p>The link expires within ${linkExpirationFormatter(linkExpiration)}.</p></td></tr></table>\n"
        "</body></html>\n"
    )
    blade = (
        '<html lang="en"><head><title>Order shipped</title></head><body>\n'
        "@if($order->gift)<p>A gift for {{ $order->recipient }}!</p>@else<p>Hi {{ $user->name }},</p>@endif\n"
        "@component('mail::button', ['url' => $url])\nTrack your parcel\n@endcomponent\n"
        "<p>{!! $order->notes !!}</p>\n</body></html>\n"
    )
    for html in (freemarker, blade):
        template = tpl.lint(html, mode="template")
        assert [f.code for f in template.findings if f.code != "TPL010"] == [], html
        rendered = tpl.findings(tpl.lint(html, mode="rendered", select="TPL001"), "TPL001")
        dialects = {f.data["dialect"] for f in rendered}
        assert dialects == ({"freemarker"} if html is freemarker else {"blade", "jinja"}), (
            dialects
        )  # {{ }} is Blade's too
    cell = next(e for e in Email.parse(freemarker).elements if e.tag == "td")
    assert cell.attrs == {"style": "color:#333333"}


def test_a_thymeleaf_template_links_where_its_th_href_points(tpl):
    # a natural template: href="#" and src="logo.png" are the designer's prototype; th:href and th:src are what goes out
    html = (
        '<!DOCTYPE html>\n<html lang="en" xmlns:th="http://www.thymeleaf.org"><head>'
        '<title th:text="#{email.subject}">Your order</title><style>*{margin:0;padding:0}</style></head><body>\n'
        '<p th:text="#{greeting(${customer.name})}">Hello John,</p>\n'
        '<p><a href="#" th:href="@{/orders/{id}(id=${order.id})}">Track your order</a></p>\n'
        '<img src="logo.png" th:src="@{https://cdn.acme.example/logo.png}" alt="Acme">\n'
        '<p><a href="#" data-th-href="${unsubscribeUrl}">Unsubscribe</a></p>\n</body></html>\n'
    )
    template = tpl.lint(html, mode="template")
    assert [f.code for f in template.findings if f.code not in ("TPL010", "CMP001")] == []
    email = Email.parse(html)
    assert [link.url for link in email.links] == ["@{/orders/{id}(id=${order.id})}", "${unsubscribeUrl}"]
    assert [image.url for image in email.images] == ["@{https://cdn.acme.example/logo.png}"]
    assert all(item.templated for item in (*email.links, *email.images))
    # the same markup without Thymeleaf: the prototype hrefs are dead links
    plain = html.replace(' th:href="@{/orders/{id}(id=${order.id})}"', "").replace(
        ' data-th-href="${unsubscribeUrl}"', ""
    )
    dead = tpl.findings(tpl.lint(plain, mode="template", select="TPL005"), "TPL005")
    assert [f.data["href"] for f in dead] == ["#", "#"]
