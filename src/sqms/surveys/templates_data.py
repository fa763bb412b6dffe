"""The questionnaire templates shipped with SQMS (Chinese and English wording), loaded by
``services.create_from_template``. Pure data: each template is a dict with dimensions and sections whose
questions use the field names of :class:`sqms.surveys.models.Question`.
"""

from __future__ import annotations

from typing import Any

SERVQUAL_DIMENSIONS = [
    ("tangibles", "有形性", "Tangibles"),
    ("reliability", "可靠性", "Reliability"),
    ("responsiveness", "响应性", "Responsiveness"),
    ("assurance", "保证性", "Assurance"),
    ("empathy", "移情性", "Empathy"),
]

# Parasuraman, Zeithaml & Berry (1988), 22 items, adapted to a service organisation.
SERVQUAL_ITEMS = [
    ("tangibles", "拥有现代化的服务设施和设备", "Has up-to-date equipment and facilities"),
    ("tangibles", "服务场所的环境整洁、舒适、有吸引力", "Its physical facilities are visually appealing"),
    ("tangibles", "工作人员着装整洁、仪表得体", "Its employees are well dressed and neat in appearance"),
    (
        "tangibles",
        "宣传资料、告知材料清晰美观",
        "Materials associated with the service are visually appealing",
    ),
    (
        "reliability",
        "承诺在某个时间做到的事情都能按时做到",
        "When it promises to do something by a certain time, it does so",
    ),
    ("reliability", "遇到问题时真诚地帮助解决", "It shows a sincere interest in solving your problem"),
    ("reliability", "第一次就能把服务做好", "It performs the service right the first time"),
    ("reliability", "在承诺的时间提供服务", "It provides its services at the time it promises to do so"),
    ("reliability", "业务记录准确无误", "It keeps its records accurately"),
    (
        "responsiveness",
        "会告诉您服务的确切办理时间",
        "Employees tell you exactly when services will be performed",
    ),
    ("responsiveness", "工作人员提供及时的服务", "Employees give you prompt service"),
    ("responsiveness", "工作人员总是乐于帮助您", "Employees are always willing to help you"),
    (
        "responsiveness",
        "工作人员不会因为太忙而无法回应您的要求",
        "Employees are never too busy to respond to your requests",
    ),
    ("assurance", "工作人员的行为让您信任", "The behaviour of employees instils confidence in you"),
    ("assurance", "与其打交道让您感到安心", "You feel safe in your transactions with it"),
    ("assurance", "工作人员始终彬彬有礼", "Employees are consistently courteous with you"),
    (
        "assurance",
        "工作人员有足够的专业知识回答您的问题",
        "Employees have the knowledge to answer your questions",
    ),
    ("empathy", "会给予您个别的关注", "It gives you individual attention"),
    ("empathy", "服务时间方便所有客户", "It has operating hours convenient to all its customers"),
    ("empathy", "工作人员会给予您个性化的关心", "Employees give you personal attention"),
    ("empathy", "把您的利益放在心上", "It has your best interests at heart"),
    ("empathy", "工作人员了解您的具体需求", "Employees understand your specific needs"),
]

SEVEN_DIMENSIONS = [
    ("reliability", "可靠性", "Reliability"),
    ("responsiveness", "响应性", "Responsiveness"),
    ("professionalism", "专业性", "Professionalism"),
    ("customisability", "定制性", "Customisability"),
    ("environment", "服务环境", "Environment"),
    ("accessibility", "可及性", "Accessibility"),
    ("credibility", "可信度", "Credibility"),
]
SEVEN_ITEMS = [
    ("reliability", "服务结果准确无差错", "The service result is accurate and error-free"),
    ("reliability", "承诺的事项按时兑现", "Promises are kept on time"),
    ("reliability", "服务质量稳定一致", "The service quality is consistent"),
    ("responsiveness", "诉求得到及时响应", "Requests are answered promptly"),
    ("responsiveness", "等候时间合理", "The waiting time is reasonable"),
    ("responsiveness", "问题处理进度主动告知", "You are kept informed of progress"),
    ("professionalism", "工作人员业务熟练", "Staff are skilled at their work"),
    ("professionalism", "解答清楚准确", "Answers are clear and correct"),
    ("professionalism", "一次性讲清办理要求", "Requirements are explained completely at once"),
    ("customisability", "能根据您的情况提供合适方案", "Solutions fit your situation"),
    ("customisability", "特殊需求能得到照顾", "Special needs are accommodated"),
    ("customisability", "可以选择方便的办理方式", "You can choose a convenient way to be served"),
    ("environment", "场所整洁舒适", "The premises are clean and comfortable"),
    ("environment", "指引标识清晰", "Signs and guidance are clear"),
    ("environment", "便民设施齐全", "Convenience facilities are available"),
    ("accessibility", "服务网点和渠道容易找到", "Outlets and channels are easy to reach"),
    ("accessibility", "线上渠道好用", "Online channels are easy to use"),
    ("accessibility", "服务时间方便", "Opening hours are convenient"),
    ("credibility", "收费透明合理", "Charges are transparent and fair"),
    ("credibility", "信息公开可信", "Published information is trustworthy"),
    ("credibility", "个人信息得到保护", "Your personal data is protected"),
]

THREE_DIMENSIONS = [
    ("process", "服务流程", "Service process"),
    ("environment", "服务环境", "Service environment"),
    ("attitude", "服务态度", "Service attitude"),
]
THREE_ITEMS = [
    ("process", "办理手续简便", "The procedure is simple"),
    ("process", "办理时限合理", "The time taken is reasonable"),
    ("process", "所需材料一次告知", "Required documents are stated at once"),
    ("process", "办理结果符合预期", "The result meets your expectation"),
    ("environment", "场所整洁有序", "The premises are clean and orderly"),
    ("environment", "设施便利好用", "Facilities are convenient"),
    ("environment", "等候区舒适", "The waiting area is comfortable"),
    ("environment", "标识指引清楚", "Signs are clear"),
    ("attitude", "工作人员热情礼貌", "Staff are warm and polite"),
    ("attitude", "耐心倾听您的需求", "Staff listen patiently"),
    ("attitude", "主动提供帮助", "Staff offer help proactively"),
    ("attitude", "尊重您的意见", "Your opinions are respected"),
]

GOV_LEVELS = [
    {"value": 1, "label": "非常不满意", "label_en": "Very dissatisfied"},
    {"value": 2, "label": "不满意", "label_en": "Dissatisfied"},
    {"value": 3, "label": "基本满意", "label_en": "Basically satisfied"},
    {"value": 4, "label": "满意", "label_en": "Satisfied"},
    {"value": 5, "label": "非常满意", "label_en": "Very satisfied"},
]


def _likert_section(
    title: str, title_en: str, rows: list[tuple[str, str, str]], prefix: str, start: int = 1
) -> dict[str, Any]:
    return {
        "title": title,
        "title_en": title_en,
        "questions": [
            {"code": f"{prefix}{i}", "type": "likert", "text": zh, "text_en": en, "dimension": dim}
            for i, (dim, zh, en) in enumerate(rows, start=start)
        ],
    }


def _attention(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "type": "likert",
        "text": "为确认您在认真作答，本题请选择“满意”",
        "text_en": "To show you are reading carefully, please choose “Satisfied” here",
        "attention_check": True,
        "attention_answer": "4",
    }


def _background() -> dict[str, Any]:
    return {
        "title": "基本信息",
        "title_en": "About you",
        "questions": [
            {
                "code": "channel",
                "type": "single",
                "text": "您本次通过哪个渠道办理业务？",
                "text_en": "Which channel did you use this time?",
                "options": [
                    {"value": 1, "label": "营业厅", "label_en": "Service hall"},
                    {"value": 2, "label": "网上/手机App", "label_en": "Online / app"},
                    {"value": 3, "label": "电话", "label_en": "Phone"},
                ],
            },
            {
                "code": "comment",
                "type": "long_text",
                "text": "您还有什么意见或建议？",
                "text_en": "Any other comments or suggestions?",
                "required": False,
            },
        ],
    }


def _servqual() -> dict[str, Any]:
    e = {
        "title": "期望：一家优秀的服务机构应当……",
        "title_en": "Expectations: an excellent service organisation …",
        "questions": [],
    }
    p = {"title": "感知：本单位……", "title_en": "Perceptions: this organisation …", "questions": []}
    for i, (dim, zh, en) in enumerate(SERVQUAL_ITEMS, start=1):
        common = {
            "type": "likert",
            "scale_points": 7,
            "dimension": dim,
            "pair_key": f"S{i}",
            "options": [
                {"value": v, "label": lab, "label_en": lab_en}
                for v, lab, lab_en in [
                    (1, "非常不同意", "Strongly disagree"),
                    (2, "不同意", "Disagree"),
                    (3, "比较不同意", "Somewhat disagree"),
                    (4, "一般", "Neutral"),
                    (5, "比较同意", "Somewhat agree"),
                    (6, "同意", "Agree"),
                    (7, "非常同意", "Strongly agree"),
                ]
            ],
        }
        e["questions"].append({**common, "code": f"E{i}", "text": zh, "text_en": en, "servqual_part": "E"})
        p["questions"].append({**common, "code": f"P{i}", "text": zh, "text_en": en, "servqual_part": "P"})
    att = _attention("P_ATT")
    att.update(
        scale_points=7,
        options=p["questions"][0]["options"],
        attention_answer="6",
        text="为确认您在认真作答，本题请选择“同意”",
        text_en="To show you are reading carefully, please choose “Agree”",
    )
    p["questions"].insert(11, att)
    return {
        "code": "SERVQUAL",
        "title": "SERVQUAL 服务质量调查",
        "title_en": "SERVQUAL service quality survey",
        "intro": "请先回答您对一家优秀服务机构的期望，再评价本单位的实际表现。",
        "intro_en": "First rate what you expect from an excellent service organisation, then how we perform.",
        "dimensions": SERVQUAL_DIMENSIONS,
        "sections": [e, p, _background()],
    }


TEMPLATES: dict[str, Any] = {
    "servqual": _servqual,
    "seven": lambda: {
        "code": "SQ7",
        "title": "服务质量七维度满意度调查",
        "title_en": "Seven-indicator service quality survey",
        "intro": "请根据您最近一次的服务体验作答。",
        "intro_en": "Please answer about your most recent service.",
        "dimensions": SEVEN_DIMENSIONS,
        "sections": [
            _likert_section("服务评价", "Service evaluation", SEVEN_ITEMS[:12], "Q"),
            _likert_section("服务评价（续）", "Service evaluation (cont.)", SEVEN_ITEMS[12:], "Q", 13),
            {
                "title": "总体评价",
                "title_en": "Overall",
                "questions": [
                    _attention("ATT"),
                    {
                        "code": "overall",
                        "type": "likert",
                        "text": "总体而言，您对本次服务满意吗？",
                        "text_en": "Overall, how satisfied are you with the service?",
                    },
                    {
                        "code": "nps",
                        "type": "nps",
                        "text": "您有多大可能向亲友推荐我们的服务？",
                        "text_en": "How likely are you to recommend us to a friend?",
                    },
                ],
            },
            _background(),
        ],
    },
    "three": lambda: {
        "code": "SQ3",
        "title": "服务三要素满意度调查",
        "title_en": "Three-aspect satisfaction survey",
        "intro": "",
        "intro_en": "",
        "dimensions": THREE_DIMENSIONS,
        "sections": [
            {
                "title": "服务评价",
                "title_en": "Service evaluation",
                "questions": [
                    {
                        "code": "M",
                        "type": "matrix",
                        "text": "请对以下方面进行评价",
                        "text_en": "Please rate the following",
                        "rows": [
                            {"code": f"r{i + 1}", "text": zh, "text_en": en, "dimension": dim}
                            for i, (dim, zh, en) in enumerate(THREE_ITEMS)
                        ],
                    }
                ],
            },
            {
                "title": "总体评价",
                "title_en": "Overall",
                "questions": [
                    {
                        "code": "overall",
                        "type": "likert",
                        "text": "总体满意度",
                        "text_en": "Overall satisfaction",
                    }
                ],
            },
        ],
    },
    "gov": lambda: {
        "code": "HAOCHAPING",
        "title": "政务服务“好差评”",
        "title_en": "Government service good/bad review",
        "intro": "请对本次政务服务作出评价。",
        "intro_en": "Please rate this government service.",
        "dimensions": [
            ("efficiency", "办事效率", "Efficiency"),
            ("service", "服务水平", "Service level"),
            ("attitude", "服务态度", "Attitude"),
            ("convenience", "便捷程度", "Convenience"),
            ("usability", "好用程度", "Usability"),
        ],
        "sections": [
            {
                "title": "评价",
                "title_en": "Review",
                "questions": [
                    {
                        "code": "mode",
                        "type": "single",
                        "text": "您是在线下还是线上办理的？",
                        "text_en": "Did you use the service offline or online?",
                        "options": [
                            {"value": 1, "label": "线下（窗口）", "label_en": "Offline (counter)"},
                            {"value": 2, "label": "线上（网站/App）", "label_en": "Online (web/app)"},
                        ],
                    },
                    {
                        "code": "overall",
                        "type": "likert",
                        "text": "总体满意度",
                        "text_en": "Overall satisfaction",
                        "options": GOV_LEVELS,
                    },
                    {
                        "code": "efficiency",
                        "type": "likert",
                        "text": "办事效率",
                        "text_en": "Efficiency",
                        "options": GOV_LEVELS,
                        "dimension": "efficiency",
                        "show_if": {"question": "mode", "in": [1]},
                    },
                    {
                        "code": "service",
                        "type": "likert",
                        "text": "服务水平",
                        "text_en": "Service level",
                        "options": GOV_LEVELS,
                        "dimension": "service",
                        "show_if": {"question": "mode", "in": [1]},
                    },
                    {
                        "code": "attitude",
                        "type": "likert",
                        "text": "服务态度",
                        "text_en": "Attitude",
                        "options": GOV_LEVELS,
                        "dimension": "attitude",
                        "show_if": {"question": "mode", "in": [1]},
                    },
                    {
                        "code": "convenience",
                        "type": "likert",
                        "text": "便捷程度",
                        "text_en": "Convenience",
                        "options": GOV_LEVELS,
                        "dimension": "convenience",
                        "show_if": {"question": "mode", "in": [2]},
                    },
                    {
                        "code": "usability",
                        "type": "likert",
                        "text": "好用程度",
                        "text_en": "Usability",
                        "options": GOV_LEVELS,
                        "dimension": "usability",
                        "show_if": {"question": "mode", "in": [2]},
                    },
                    {
                        "code": "bad_reason",
                        "type": "long_text",
                        "text": "请说明不满意的原因（差评将转交整改）",
                        "text_en": "Why are you dissatisfied? (bad reviews are passed on for rectification)",
                        "required": False,
                        "show_if": {"question": "overall", "in": [1, 2]},
                    },
                ],
            }
        ],
    },
    "csat": lambda: {
        "code": "CSAT-NPS",
        "title": "服务后满意度回访",
        "title_en": "Post-service satisfaction (CSAT + NPS)",
        "intro": "感谢您使用我们的服务，请花 1 分钟评价。",
        "intro_en": "Thank you — one minute, please.",
        "dimensions": [],
        "sections": [
            {
                "title": "",
                "title_en": "",
                "questions": [
                    {
                        "code": "csat",
                        "type": "likert",
                        "text": "您对本次服务的满意程度",
                        "text_en": "How satisfied are you with this service?",
                    },
                    {
                        "code": "nps",
                        "type": "nps",
                        "text": "您有多大可能向亲友推荐我们？",
                        "text_en": "How likely are you to recommend us to a friend or colleague?",
                    },
                    {
                        "code": "resolved",
                        "type": "single",
                        "text": "您的问题是否已解决？",
                        "text_en": "Was your issue resolved?",
                        "options": [
                            {"value": 1, "label": "已解决", "label_en": "Yes"},
                            {"value": 0, "label": "未解决", "label_en": "No"},
                        ],
                    },
                    {
                        "code": "comment",
                        "type": "long_text",
                        "text": "还有什么想告诉我们的？",
                        "text_en": "Anything else you want to tell us?",
                        "required": False,
                    },
                ],
            }
        ],
    },
}

TEMPLATE_NAMES = {
    "servqual": ("SERVQUAL（22 项 × 期望/感知）", "SERVQUAL (22 items × expectation/perception)"),
    "seven": ("七维度模型", "Seven-indicator model"),
    "three": ("三要素模型", "Three-aspect model"),
    "gov": ("政务服务好差评", "Government good/bad review"),
    "csat": ("服务后 CSAT + NPS", "Post-service CSAT + NPS"),
}
