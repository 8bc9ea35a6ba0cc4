"""The language the exercise checker speaks: English, or Chinese for the Chinese edition.

The Chinese notebooks (``notebooks/zh/``) start with ``use_language("zh")``; from then on ``check``
prints its verdicts and hints in Chinese. The Chinese hints live in ``hints_zh.md`` beside this
module, one section per exercise, each marked with a hash of the English hint it translates, so a
changed English hint is caught by the tests instead of leaving an outdated translation behind.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from lessons_lib.checks import check_choice

LANGUAGES = ("en", "zh")
HINTS_ZH = Path(__file__).with_name("hints_zh.md")
_MARKER = re.compile(r"^<!-- exercise (\S+) en ([0-9a-f]{12}) -->$", re.M)

_current = ["en"]

MESSAGES = {
    "en": {
        "unanswered": "[{name}] not answered yet: set the answer and run the cell again.",
        "unwritten": "[{name}] not answered yet: your function returns None; write its body and run the cell again.",
        "code_correct": "[{name}] correct: your function matches the library's on every test input",
        "code_wrong": "[{name}] not quite: you said {answer}: {problem}. Hint: {hint}",
        "correct": "[{name}] correct: {answer}",
        "wrong": "[{name}] not quite: you said {answer}. Hint: {hint}",
        "not_a_function": "the answer must be a function",
        "raised": "your function raised {error}",
        "on_input": "on input {args} {difference}",
        "returned": "it returned {got}, expected {expected}",
        "length": "it returned {got} elements, expected {expected}",
        "element": "element {where} is {got}, expected {expected}",
        "element_near": "[{k}] (elements {start}..{k} are {around})",
        "tensor": "a {kind} tensor of shape {shape}",
        "got_type": "expected {wanted}, got {got}",
        "got_tensor": "expected {wanted}, got a {kind} tensor of shape {shape}",
        "differ_at": "the values differ at {where}: {got}, expected {expected} ({count} of {total} differ)",
        "differ_by": "the values differ (largest difference {largest})",
        "boolean": "boolean",
        "floating-point": "floating-point",
        "integer": "integer",
    },
    "zh": {
        "unanswered": "[{name}] 还没有作答：先填入答案，再运行这个单元格。",
        "unwritten": "[{name}] 还没有作答：你的函数返回 None；写好函数体，再运行这个单元格。",
        "code_correct": "[{name}] 正确：你的函数在每个测试输入上都与库中的实现一致",
        "code_wrong": "[{name}] 还不对：你的答案是 {answer}：{problem}。提示：{hint}",
        "correct": "[{name}] 正确：{answer}",
        "wrong": "[{name}] 还不对：你的答案是 {answer}。提示：{hint}",
        "not_a_function": "答案必须是一个函数",
        "raised": "你的函数抛出了 {error}",
        "on_input": "在输入 {args} 上，{difference}",
        "returned": "它返回了 {got}，应为 {expected}",
        "length": "它返回了 {got} 个元素，应为 {expected} 个",
        "element": "元素 {where} 是 {got}，应为 {expected}",
        "element_near": "[{k}]（元素 {start}..{k} 是 {around}）",
        "tensor": "形状为 {shape} 的{kind}张量",
        "got_type": "应为{wanted}，得到的却是 {got}",
        "got_tensor": "应为{wanted}，得到的却是形状为 {shape} 的{kind}张量",
        "differ_at": "位置 {where} 的值不同：{got}，应为 {expected}（{total} 个中有 {count} 个不同）",
        "differ_by": "数值不同（最大差值 {largest}）",
        "boolean": "布尔",
        "floating-point": "浮点",
        "integer": "整数",
    },
}


def use_language(language: str) -> str:
    """Have ``check`` speak ``language`` ("en" or "zh") from now on, in this kernel; return it."""
    _current[0] = check_choice("language", language, LANGUAGES)
    return _current[0]


def current_language() -> str:
    """The language ``check`` speaks now."""
    return _current[0]


def checker_message(key: str, **fields) -> str:
    """The message ``key`` in the current language, with ``fields`` filled in."""
    return MESSAGES[_current[0]][key].format(**fields)


def english_hash(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of ``text``: what a translation records of its source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@cache
def chinese_hints() -> dict[str, tuple[str, str]]:
    """Exercise -> (hash of the English hint translated, the Chinese hint), read from ``hints_zh.md``."""
    text = HINTS_ZH.read_text(encoding="utf-8")
    marks = list(_MARKER.finditer(text))
    hints = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        hints[mark.group(1)] = (mark.group(2), text[mark.end():end].strip())
    return hints


def hint_in_language(name: str, english: str) -> str:
    """Exercise ``name``'s hint in the current language (the English one where no current translation exists)."""
    if _current[0] == "zh":
        translated = chinese_hints().get(name)
        if translated and translated[0] == english_hash(english):
            return translated[1]
    return english
