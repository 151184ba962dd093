"""The Lumora product catalogue and mapping of free text to a canonical product name."""

import re

PRODUCTS = (
    "Lumora Hub",
    "Lumora Cam",
    "Lumora Thermostat",
    "Lumora Doorbell",
    "Lumora App",
    "Lumora Cloud",
)

# The answer "it's not about a product" (suggestions and complaints may be general).
NO_PRODUCT = "no product"
_NO_PRODUCT_WORDS = re.compile(
    r"^(?:no product|not about a product|none|no|other|general|n/a"
    r"|不涉及具体产品|不涉及|没有|无|其他|都不是)$",
    re.IGNORECASE,
)

# Words customers use for each product, English and Chinese. English words are matched as whole
# words (case-insensitive); Chinese ones as substrings, since Chinese has no spaces.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "Lumora Hub": ("hub", "smart hub", "gateway", "bridge", "智能中枢", "中枢", "网关", "集线器"),
    "Lumora Cam": ("cam", "camera", "cameras", "webcam", "摄像头", "摄像机", "相机", "监控"),
    "Lumora Thermostat": ("thermostat", "heating", "温控器", "温控", "恒温器", "温度控制"),
    "Lumora Doorbell": ("doorbell", "door bell", "bell", "门铃", "可视门铃"),
    "Lumora App": ("app", "application", "mobile app", "phone app", "应用", "手机应用", "软件"),
    "Lumora Cloud": ("cloud", "cloud storage", "subscription", "云服务", "云存储", "云端"),
}


def _pattern(keyword: str) -> str:
    if keyword.isascii():
        return rf"(?<![a-z]){re.escape(keyword)}(?![a-z])"
    return re.escape(keyword)


_MATCHERS = {
    product: re.compile("|".join(_pattern(k) for k in keywords), re.IGNORECASE)
    for product, keywords in _KEYWORDS.items()
}


def match_product(text: str | None) -> str | None:
    """Maps free text to one canonical product name (or NO_PRODUCT when the customer says it
    is about none), or None if it names no product or several."""
    if not text:
        return None
    cleaned = text.strip()
    if _NO_PRODUCT_WORDS.match(cleaned):
        return NO_PRODUCT
    for product in PRODUCTS:
        if cleaned.casefold() == product.casefold():
            return product
    found = {product for product, matcher in _MATCHERS.items() if matcher.search(cleaned)}
    return found.pop() if len(found) == 1 else None
