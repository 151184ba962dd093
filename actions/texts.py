"""The texts custom actions compose at run time, in English and Simplified Chinese.

Texts of plain responses (greeting, form questions, ...) live in domain.yml as conditional
response variations keyed on the `language` slot.
"""

from actions.language import Language

_TEXTS: dict[str, dict[Language, str]] = {
    "kb_answer": {
        "en": "**{title}**\n\n{snippet}\n\n[Read the full article]({url})",
        "zh": "**{title}**\n\n{snippet}\n\n[阅读全文]({url})",
    },
    "kb_did_this_help": {
        "en": "Did this help?",
        "zh": "这解决您的问题了吗？",
    },
    "kb_no_answer": {
        "en": (
            "I couldn't find an answer to that in our help center. Shall I open a ticket for you?"
        ),
        "zh": "抱歉，我在帮助中心没有找到相关答案。需要我为您创建一个工单吗？",
    },
    "kb_unavailable": {
        "en": (
            "Sorry, I can't search our help center right now. "
            "Shall I open a ticket for you instead?"
        ),
        "zh": "抱歉，帮助中心暂时无法访问。需要我为您创建一个工单吗？",
    },
    "button_yes": {"en": "Yes", "zh": "是"},
    "button_no": {"en": "No", "zh": "否"},
    "description_too_short": {
        "en": "Could you describe the problem in a bit more detail (at least 10 characters)?",
        "zh": "请再详细描述一下问题（至少 10 个字符）。",
    },
    "description_too_long": {
        "en": "That's a bit long. Please keep the description under 2000 characters.",
        "zh": "描述太长了，请控制在 2000 个字符以内。",
    },
    "product_unknown": {
        "en": "Sorry, I don't know that product. Please pick one of the Lumora products.",
        "zh": "抱歉，我不认识这个产品。请从 Lumora 产品中选择一个。",
    },
    "email_invalid": {
        "en": "That email address looks invalid.",
        "zh": "这个邮箱地址似乎无效。",
    },
    "ticket_created": {
        "en": "I've opened ticket {reference} for you. We'll email you at {email}.",
        "zh": "已为您创建工单 {reference}。我们会通过 {email} 与您联系。",
    },
    "ticket_create_failed": {
        "en": "Sorry, I couldn't open the ticket right now. Please try again in a moment.",
        "zh": "抱歉，暂时无法创建工单，请稍后再试。",
    },
    "ticket_cancelled": {
        "en": "OK, no ticket was opened.",
        "zh": "好的，没有创建工单。",
    },
    "ticket_status": {
        "en": "Ticket {reference} ({product}) is **{status}**.",
        "zh": "工单 {reference}（{product}）状态：**{status}**",
    },
    "ticket_status_no_product": {
        "en": "Ticket {reference} is **{status}**.",
        "zh": "工单 {reference} 状态：**{status}**",
    },
    "ticket_not_found": {
        "en": "I can't find a ticket with reference {reference}.",
        "zh": "找不到编号为 {reference} 的工单。",
    },
    "ticket_reference_needed": {
        "en": "Please give me your ticket reference, it looks like DM-000123.",
        "zh": "请提供您的工单编号，格式类似 DM-000123。",
    },
    "ticket_status_unavailable": {
        "en": "Sorry, I can't look up tickets right now. Please try again in a moment.",
        "zh": "抱歉，暂时无法查询工单，请稍后再试。",
    },
}

_STATUS_LABELS: dict[str, dict[Language, str]] = {
    "new": {"en": "new", "zh": "新建"},
    "open": {"en": "open", "zh": "处理中"},
    "in_progress": {"en": "in progress", "zh": "处理中"},
    "pending": {"en": "waiting for your reply", "zh": "等待您的回复"},
    "waiting": {"en": "waiting for your reply", "zh": "等待您的回复"},
    "on_hold": {"en": "on hold", "zh": "挂起"},
    "resolved": {"en": "resolved", "zh": "已解决"},
    "closed": {"en": "closed", "zh": "已关闭"},
}

# Chinese display names of the products; the canonical (English) names are what the API stores.
_PRODUCT_LABELS_ZH = {
    "Lumora Hub": "Lumora 智能中枢",
    "Lumora Cam": "Lumora 摄像头",
    "Lumora Thermostat": "Lumora 温控器",
    "Lumora Doorbell": "Lumora 门铃",
    "Lumora App": "Lumora App",
    "Lumora Cloud": "Lumora 云服务",
}


def text(key: str, language: Language, **values: str) -> str:
    """Returns the text `key` in `language`, with `values` filled in."""
    return _TEXTS[key][language].format(**values)


def status_label(status: str, language: Language) -> str:
    """Human label of a ticket status; unknown statuses are shown as they come."""
    labels = _STATUS_LABELS.get(status.lower())
    return labels[language] if labels else status


def product_label(product: str, language: Language) -> str:
    """Display name of a canonical product name in `language`."""
    return _PRODUCT_LABELS_ZH.get(product, product) if language == "zh" else product
