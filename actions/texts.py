"""The texts custom actions compose at run time, in English and Simplified Chinese.

Texts of plain responses (greeting, form questions, ...) live in domain/*.yml as conditional
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
            "I couldn't find an answer to that in our help center. "
            "Shall I open a ticket for you, or find an expert?"
        ),
        "zh": "抱歉，我在帮助中心没有找到相关答案。需要我为您创建工单，还是帮您找一位专家？",
    },
    "kb_unavailable": {
        "en": (
            "Sorry, I can't search our help center right now. "
            "Shall I open a ticket for you instead, or find an expert?"
        ),
        "zh": "抱歉，帮助中心暂时无法访问。需要我为您创建工单，或者找一位专家吗？",
    },
    "kb_no_answer_in_form": {
        "en": "I couldn't find an answer to that; let's finish this first.",
        "zh": "这个问题我没有找到答案，我们先把当前的事情办完。",
    },
    "kb_clarify": {
        "en": "I found a few articles. Which one fits your question best?",
        "zh": "我找到了几篇相关文章，哪一篇最符合您的问题？",
    },
    "kb_not_helpful": {
        "en": "Sorry that didn't help. Shall I open a ticket for you, or find an expert?",
        "zh": "很抱歉没能解决您的问题。需要我为您创建工单，还是帮您找一位专家？",
    },
    "button_open_ticket": {"en": "Open a ticket", "zh": "创建工单"},
    "button_find_expert": {"en": "Find an expert", "zh": "找专家"},
    "button_person": {"en": "Talk to a person", "zh": "转人工"},
    "button_no_thanks": {"en": "No thanks", "zh": "不用了"},
    "button_none_of_these": {"en": "None of these", "zh": "都不是"},
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
    "fault_created": {
        "en": "I've logged your fault report as ticket {reference}. We'll email you at {email}.",
        "zh": "已为您登记故障，工单号 {reference}。我们会通过 {email} 与您联系。",
    },
    "complaint_created": {
        "en": (
            "I'm sorry for the trouble. Your complaint is recorded as ticket {reference}; "
            "we'll email you at {email}."
        ),
        "zh": (
            "非常抱歉给您带来不便。您的投诉已记录，工单号 {reference}，"
            "我们会通过 {email} 与您联系。"
        ),
    },
    "suggestion_created": {
        "en": "Thank you for the idea! It's recorded as {reference}; we'll email you at {email}.",
        "zh": "感谢您的建议！已记录为 {reference}，我们会通过 {email} 与您联系。",
    },
    "info_added": {
        "en": "Thanks, I've added that to your ticket {reference}; the team will see it there.",
        "zh": "谢谢，已将补充信息添加到您的工单 {reference}，处理人员会在工单中看到。",
    },
    "info_not_yours": {
        "en": (
            "Sorry, I can't find a ticket {reference} of yours. Please check the reference "
            "(it's in the confirmation we sent you), or I can open a new ticket."
        ),
        "zh": (
            "抱歉，没有找到属于您的工单 {reference}。"
            "请核对编号（在我们发给您的确认中），或者我可以为您新建工单。"
        ),
    },
    "info_add_failed": {
        "en": "Sorry, I couldn't add that to {reference} right now. Please try again in a moment.",
        "zh": "抱歉，暂时无法将信息添加到 {reference}，请稍后再试。",
    },
    "handoff_after_failures": {
        "en": (
            "I'm sorry I couldn't help with this. I'm handing you over to a colleague "
            "(ticket {reference}); they'll see our conversation, please stay here."
        ),
        "zh": (
            "抱歉没能帮到您。我正在为您转接人工客服（工单 {reference}），"
            "他们能看到我们的对话，请稍候。"
        ),
    },
    "greet_known": {
        "en": "Hello {name}, welcome back! How can I help you today?",
        "zh": "{name}，您好，欢迎回来！今天有什么可以帮您？",
    },
    "open_tickets": {
        "en": "Your open tickets: {tickets}.",
        "zh": "您未结的工单：{tickets}。",
    },
    "csat_rating_invalid": {
        "en": "Please rate from 1 to 5 (for example 4), or say skip.",
        "zh": "请打 1 到 5 分（例如 4），或者回复“跳过”。",
    },
    "csat_thanks": {
        "en": "Thank you for rating {reference} with {rating}/5!",
        "zh": "感谢您为工单 {reference} 打了 {rating} 分！",
    },
    "csat_already_rated": {
        "en": "Thanks! {reference} has already been rated, so I kept the first rating.",
        "zh": "谢谢！工单 {reference} 已经评过分了，我们保留了第一次的评分。",
    },
    "csat_failed": {
        "en": "Sorry, I couldn't save your rating right now. Thank you all the same!",
        "zh": "抱歉，暂时无法保存您的评分，仍然感谢您的反馈！",
    },
    "csat_skipped": {
        "en": "No problem, I won't ask again about {reference}.",
        "zh": "好的，关于工单 {reference} 我就不再打扰了。",
    },
    "contact_saved": {
        "en": "Thanks, I'll use {email} and {phone} for anything we open for you.",
        "zh": "谢谢，之后为您创建的工单都会使用 {email} 和 {phone} 联系您。",
    },
    "phone_invalid": {
        "en": "That phone number looks invalid; please give 8 to 15 digits, e.g. +44 7700 900123.",
        "zh": "这个电话号码似乎无效，请输入 8 到 15 位数字，例如 13812345678。",
    },
    "reference_invalid": {
        "en": "That doesn't look like a ticket reference; it looks like DM-000123.",
        "zh": "这不像工单编号，格式类似 DM-000123。",
    },
    "category_unknown": {
        "en": "Please pick one of the options: service, billing, delivery, product or other.",
        "zh": "请选择一个选项：服务、账单与扣费、物流配送、产品质量或其他。",
    },
    "experts_found": {
        "en": "These colleagues know this best:",
        "zh": "以下同事最了解这个问题：",
    },
    "expert_line": {
        "en": "- **{name}** ({availability}): {reasons}",
        "zh": "- **{name}**（{availability}）：{reasons}",
    },
    "expert_available": {"en": "available now", "zh": "现在有空"},
    "expert_busy": {"en": "busy", "zh": "忙碌"},
    "experts_offer_ticket": {
        "en": "Shall I open a ticket so one of them can follow up?",
        "zh": "需要我创建一个工单，让他们跟进吗？",
    },
    "experts_none": {
        "en": "I couldn't find an expert for that right now. Shall I open a ticket instead?",
        "zh": "暂时没有找到合适的专家。需要我为您创建工单吗？",
    },
    "handoff_started": {
        "en": (
            "I'm handing you over to a colleague (ticket {reference}). "
            "They'll see our conversation; please stay here."
        ),
        "zh": "正在为您转接人工客服（工单 {reference}），同事能看到我们之前的对话，请稍候。",
    },
    "handoff_failed": {
        "en": (
            "I can't reach a colleague right now, so I've opened ticket {reference} with our "
            "conversation. We'll get back to you at {email}."
        ),
        "zh": (
            "暂时无法转接人工，已为您创建工单 {reference}（附上了我们的对话），"
            "我们会通过 {email} 联系您。"
        ),
    },
    "handoff_needs_email": {
        "en": "To hand you over I need an email address we can reach you at.",
        "zh": "转接人工前，请先留下您的邮箱地址。",
    },
    "handback": {
        "en": "The assistant is back. Is there anything else I can help you with?",
        "zh": "智能助手回来了。还有什么可以帮您的吗？",
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
        "en": (
            "I can't find a ticket {reference} of yours. If you opened it with another email "
            "address, tell me that address and ask again."
        ),
        "zh": (
            "找不到您名下编号为 {reference} 的工单。"
            "如果提交时用的是其他邮箱，请告诉我那个邮箱后再问一次。"
        ),
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
