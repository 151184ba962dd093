"""The validators of the fault, complaint, suggestion, add-information and contact forms."""

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    ValidateAddInfoForm,
    ValidateComplaintForm,
    ValidateContactForm,
    ValidateFaultForm,
    ValidateSuggestionForm,
    ValidateTicketForm,
    find_phone,
    match_category,
)
from actions.products import NO_PRODUCT
from tests.actions.action_factories import make_tracker, texts


def run_validator(
    action: Any, slot: str, value: str, language: str = "en"
) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=value, intent="inform", slots={"language": language})
    result = getattr(action, f"validate_{slot}")(value, dispatcher, tracker, {})
    return result, texts(dispatcher)


def test_every_form_has_its_own_validation_action() -> None:
    names = {
        action().name()
        for action in (
            ValidateTicketForm,
            ValidateFaultForm,
            ValidateComplaintForm,
            ValidateSuggestionForm,
            ValidateAddInfoForm,
            ValidateContactForm,
        )
    }
    assert names == {
        "validate_ticket_form",
        "validate_fault_form",
        "validate_complaint_form",
        "validate_suggestion_form",
        "validate_add_info_form",
        "validate_contact_form",
    }


def test_a_fault_needs_a_real_product() -> None:
    ok, said = run_validator(ValidateFaultForm(), "ticket_product", "my doorbell")
    assert (ok, said) == ({"ticket_product": "Lumora Doorbell"}, [])

    refused, said = run_validator(ValidateFaultForm(), "ticket_product", "no product")
    assert refused == {"ticket_product": None}
    assert said == ["Sorry, I don't know that product. Please pick one of the Lumora products."]


@pytest.mark.parametrize("answer", ["Not about a product", "不涉及具体产品", "other"])
def test_a_suggestion_or_complaint_may_be_about_no_product(answer: str) -> None:
    for action in (ValidateSuggestionForm(), ValidateComplaintForm()):
        result, said = run_validator(action, "ticket_product", answer)
        assert (result, said) == ({"ticket_product": NO_PRODUCT}, [])


@pytest.mark.parametrize(
    ("value", "category"),
    [
        ("billing", "billing"),
        ("I was charged twice", "billing"),
        ("快递太慢了", "delivery"),
        ("客服态度差", "service"),
        ("其他", "other"),
    ],
)
def test_complaint_category_from_buttons_or_words(value: str, category: str) -> None:
    result, said = run_validator(ValidateComplaintForm(), "complaint_category", value)
    assert (result, said) == ({"complaint_category": category}, [])


def test_unclear_complaint_category_is_asked_again_in_chinese() -> None:
    assert match_category("the billing of the delivery") is None  # two categories: unclear
    result, said = run_validator(ValidateComplaintForm(), "complaint_category", "嗯", "zh")
    assert result == {"complaint_category": None}
    assert said == ["请选择一个选项：服务、账单与扣费、物流配送、产品质量或其他。"]


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        ("+44 7700 900123", "+447700900123"),
        ("my number is 138-1234-5678", "13812345678"),
        ("电话13812345678", "13812345678"),
        ("(020) 7946 0018", "02079460018"),
    ],
)
def test_valid_phone_numbers_are_normalised(value: str, phone: str) -> None:
    assert find_phone(value) == phone
    result, said = run_validator(ValidateContactForm(), "contact_phone", value)
    assert (result, said) == ({"contact_phone": phone}, [])


@pytest.mark.parametrize("value", ["123", "call me maybe", "1234567890123456789"])
def test_invalid_phone_numbers_are_refused(value: str) -> None:
    result, said = run_validator(ValidateContactForm(), "contact_phone", value)
    assert result == {"contact_phone": None}
    assert said[0].startswith("That phone number looks invalid")


def test_contact_form_checks_the_email_too() -> None:
    result, said = run_validator(ValidateContactForm(), "contact_email", "anna at example")
    assert result == {"contact_email": None}
    assert said == ["That email address looks invalid."]


def test_add_info_reference_is_found_in_a_sentence_and_upper_cased() -> None:
    result, said = run_validator(ValidateAddInfoForm(), "info_reference", "it's dm-000123 thanks")
    assert (result, said) == ({"info_reference": "DM-000123"}, [])

    result, said = run_validator(ValidateAddInfoForm(), "info_reference", "工单12345", "zh")
    assert result == {"info_reference": None}
    assert said == ["这不像工单编号，格式类似 DM-000123。"]
