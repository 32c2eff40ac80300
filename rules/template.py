from oopslint import Finding, rule


@rule(code="TPL004", name="image-missing-alt", summary="Image has no alt attribute", severity="warning", section="template")
def image_missing_alt(email, context, options):
    """What it does: x"""
    for image in email.images:
        if image.kind == "img" and image.alt is None:
            yield Finding("Image has no alt attribute", span=email.element_span(image.element))
