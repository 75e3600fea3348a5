"""Sample field data per document kind: for the render benchmark, template previews and tests.

The values are invented but shaped like a real file (a fraud case between Chengdu and Kunming); a
name with a character outside the GB 2312 range (𠮷) keeps the font fallback in every measurement.
"""

from documents import kinds

SAMPLE_FIELDS: dict[str, dict] = {
    kinds.ASSISTANCE_LETTER.code: {
        "recipient": "昆明市公安局",
        "case_name": "成都“4·15”诈骗案",
        "matters": "调取犯罪嫌疑人吉𠮷名下银行账户自2025年1月1日至2026年3月1日的交易流水",
        "contact_officers": "李明、王强",
        "contact_phone": "028-85000000",
    },
    kinds.REPORT_FOR_APPROVAL.code: {
        "subject": "提请指定管辖",
        "facts": "成都“4·15”诈骗案犯罪地涉及四川、云南两省，两地公安机关对管辖存在争议。",
        "request": "建议报请公安部指定管辖。",
        "purpose": kinds.DESIGNATION_PURPOSE,
    },
    kinds.EVIDENCE_CALL_NOTICE.code: {
        "recipient": "中国工商银行昆明分行",
        "case_name": "成都“4·15”诈骗案",
        "evidence": "吉𠮷名下账户2026年1月至3月的交易流水",
    },
    kinds.PROPERTY_INQUIRY_NOTICE.code: {
        "recipient": "中国工商银行昆明分行",
        "subject_name": "吉𠮷",
        "property": "吉𠮷名下全部存款账户",
    },
    kinds.PROPERTY_FREEZE_NOTICE.code: {
        "recipient": "中国工商银行昆明分行",
        "subject_name": "吉𠮷",
        "property": "账号6222000000000000",
        "amount": "人民币伍拾万元",
        "period_from": "2026年3月8日",
        "period_to": "2026年9月7日",
    },
    kinds.CASE_TRANSFER_NOTICE.code: {
        "recipient": "昆明市公安局",
        "case_name": "成都“4·15”诈骗案",
        "reason": "犯罪地在昆明市五华区",
        "legal_basis": "《公安机关办理刑事案件程序规定》第二十一条",
    },
    kinds.JURISDICTION_DESIGNATION_DECISION.code: {
        "recipient": "昆明市公安局",
        "case_name": "成都“4·15”诈骗案",
        "designated_unit": "成都市公安局武侯区分局",
        "reason": "犯罪地涉及两地，由武侯区分局管辖更为适宜",
        "legal_basis": "《公安机关办理刑事案件程序规定》第二十二条",
    },
    "meeting_minutes": {
        "masthead": "泛西南警务合作联席会议纪要",
        "series": "泛西南警务合作联席会议",
        "session": "第十五次会议",
        "title": "泛西南警务合作联席会议第十五次会议",
        "opening": (
            "2026年3月5日，泛西南警务合作联席会议第十五次会议在成都市公安局会议室召开。会议由四川省公安厅承办，"
            "重庆市公安局主持。会议研究了以下议题：一是成都“4·15”诈骗案管辖争议；二是逾期未办结的协作请求。"
            "现将会议议定事项纪要如下："
        ),
        "decisions": [
            {
                "number": 1,
                "numeral": "一",
                "kind": "jurisdiction",
                "text": "成都“4·15”诈骗案由成都市公安局武侯区分局主办，昆明市公安局协办。",
            },
            {
                "number": 2,
                "numeral": "二",
                "kind": "action_item",
                "text": "昆明市公安局于5日内完成犯罪嫌疑人吉𠮷的身份核查。",
            },
        ],
        "closing": "下次会议由贵州省公安厅承办。",
        "present": [
            {"name": "张明", "unit": "重庆市公安局", "title": ""},
            {"name": "李强（代 王刚）", "unit": "四川省公安厅", "title": ""},
            {"name": "吉𠮷", "unit": "云南省公安厅", "title": ""},
        ],
        "observers": [{"name": "赵敏", "unit": "中国人民公安大学", "title": "特邀专家"}],
        "excused": [{"name": "陈军", "unit": "青海省公安厅", "title": ""}],
        "host_unit": "四川省公安厅",
        "date": "2026年3月5日",
        "place": "成都市公安局会议室",
        "signatures": [
            {"unit": "重庆市公安局", "signer": "张明", "date": "2026年3月6日"},
            {"unit": "四川省公安厅", "signer": "李强", "date": "2026年3月6日"},
        ],
    },
    "briefing_pack": {
        "series": "泛西南警务合作联席会议",
        "meeting": "泛西南警务合作联席会议第十五次会议",
        "session": "第十五次会议",
        "period": "2025年11月1日至2026年3月8日",
        "host": "成都市公安局武侯区分局",
        "figures": {
            "period": {"start": "2025-11-01T00:00:00+08:00", "end": "2026-03-08T09:00:00+08:00"},
            "scope": ["500000", "510000", "520000", "530000", "540000", "630000"],
            "provinces": ["500000", "510000", "520000", "530000", "540000", "630000"],
            "province_names": {
                "500000": "重庆市",
                "510000": "四川省",
                "520000": "贵州省",
                "530000": "云南省",
                "540000": "西藏自治区",
                "630000": "青海省",
            },
            "cases": [
                {"offence": "telecom_fraud", "offence_name": "电信网络诈骗", "province": "510000", "n": 42},
                {"offence": "telecom_fraud", "offence_name": "电信网络诈骗", "province": "530000", "n": 17},
                {"offence": "illegal_fundraising", "offence_name": "非法集资", "province": "520000", "n": 6},
                {"offence": "drugs", "offence_name": "毒品", "province": "530000", "n": 11},
            ],
            "flows": [
                {"from": "510000", "to": "520000", "n": 23},
                {"from": "510000", "to": "510000", "n": 12},
                {"from": "530000", "to": "other", "n": 4},
                {"from": "520000", "to": "unknown", "n": 2},
            ],
            "repeat_suspects": {
                "count": 3,
                "rows": [{"id_number": "5201**********1234", "provinces": 3, "cases": 4, "recent": 2}],
            },
            "requests": [
                {"from": "510000", "to": "530000", "n": 31},
                {"from": "500000", "to": "510000", "n": 9},
            ],
            "fulfilment": [
                {
                    "unit": "530100",
                    "name": "昆明市公安局",
                    "n": 28,
                    "avg_seconds": 311040,
                    "longest_seconds": 950400,
                }
            ],
            "overdue": [{"unit": "530100", "name": "昆明市公安局", "n": 3}],
        },
    },
}


def sample_snapshot(code: str, *, serial: int = 17) -> dict:
    """Return a snapshot shaped like documents.services.build_snapshot, without the database."""
    spec = kinds.get(code)
    fields = SAMPLE_FIELDS.get(code, {name: f"（{name}）" for name in spec.required_fields})
    return {
        "kind": spec.code,
        "kind_title": spec.title,
        "title": spec.title,
        "number": f"成武公（刑）{spec.category_char}字〔2026〕{serial}号",
        "issuing_unit": {"code": "510107", "name": "成都市公安局武侯区分局"},
        "department": "刑事侦查大队",
        "date": "2026年3月8日",
        "date_iso": "2026-03-08",
        "fields": fields,
        "recipients": [fields["recipient"]] if fields.get("recipient") else [],
        "parts": list(spec.parts),
        "masthead": {
            "copy_number": spec.copy_number,
            "classification": spec.classification,
            "urgency": spec.urgency,
        },
        "template_version": spec.template_version,
        "verification_code": "LB7K-3QX9-M2PD",
    }


# What the forms of issue 19 print from the workflow (documents.form_data), given here as the fields the
# v2 templates fall back to, so that a sample shows a filled stub, every recipient and the report's
# approval column: the approver and officers of each stub, the designation's four organs served and
# the court and procuratorate copied, the report's three opinions.
_STUB_PEOPLE = {
    "approver": "周正",
    "approved_on": "2026年3月7日",
    "officers": "李明、王强",
    "issued_by": "陈红",
}
for _code in (
    kinds.EVIDENCE_CALL_NOTICE.code,
    kinds.PROPERTY_INQUIRY_NOTICE.code,
    kinds.PROPERTY_FREEZE_NOTICE.code,
    kinds.CASE_TRANSFER_NOTICE.code,
    kinds.JURISDICTION_DESIGNATION_DECISION.code,
):
    SAMPLE_FIELDS[_code].update({**_STUB_PEOPLE, "case_number": "A5101072026030001"})
SAMPLE_FIELDS[kinds.JURISDICTION_DESIGNATION_DECISION.code].update(
    {
        "recipient": "成都市公安局武侯区分局",
        "other_units": "昆明市公安局五华区分局",
        "served_on": ["成都市公安局武侯区分局", "昆明市公安局五华区分局"],
        "copy_to": ["四川省人民检察院", "四川省高级人民法院"],
    }
)
SAMPLE_FIELDS[kinds.REPORT_FOR_APPROVAL.code].update(
    {
        "subject": "成都“4·15”诈骗案指定管辖",
        "unit_opinion": "拟同意呈请指定管辖。李明　2026年3月6日",
        "review_opinion": "经审核，符合指定管辖的条件。孙法　2026年3月7日",
        "leader_instruction": "同意，报上级指定管辖。周正　2026年3月7日",
        "officers": "李明、王强",
    }
)
SAMPLE_FIELDS[kinds.CASE_TRANSFER_NOTICE.code]["materials"] = "案卷材料二册、涉案财物清单一份"


# The release documents of property measures (MPS-2020 arts 233, 241) and the handover list
# (MPS-2020 arts 23, 185) as their data builders write them (cases.assistance.services,
# jurisdiction.services): every stub value, the sides' confirmations of the list.
SAMPLE_FIELDS.update(
    {
        "property_unfreeze_notice": {
            "recipient": "中国工商银行昆明分行",
            "case_name": "成都“4·15”诈骗案",
            "subject_name": "吉𠮷",
            "id_number": "520102199003070011",
            "property": "账号6222000000000000内的存款",
            "amount": "人民币伍拾万元",
            "freeze_number": "成武公（刑）冻字〔2026〕3号",
            **_STUB_PEOPLE,
            "case_number": "A5101072026030001",
        },
        "sealing_release_decision": {
            "recipient": "昆明市五华区某贸易有限公司",
            "holder": "昆明市五华区某贸易有限公司",
            "case_name": "成都“4·15”诈骗案",
            "property": "五华区某路12号仓库内的服务器二台",
            "reason": "",
            "unrelated": True,
            "decision_number": "成武公（刑）封字〔2026〕2号",
            **_STUB_PEOPLE,
            "case_number": "A5101072026030001",
        },
        "seizure_release_decision": {
            "recipient": "吉𠮷",
            "holder": "吉𠮷",
            "case_name": "成都“4·15”诈骗案",
            "property": "苹果牌手机一部（黑色）",
            "reason": "已提取电子数据，无需继续扣押",
            "unrelated": False,
            "decision_number": "成武公（刑）扣字〔2026〕5号",
            **_STUB_PEOPLE,
            "case_number": "A5101072026030001",
        },
        "handover_list": {
            "recipient": "昆明市公安局五华区分局",
            "case_name": "成都“4·15”诈骗案",
            "case_number": "A5101072026030001",
            "items": [
                {"kind": "犯罪嫌疑人", "description": "吉𠮷，男，1990年3月7日生", "quantity": "1人"},
                {
                    "kind": "涉案财物",
                    "description": "苹果牌手机一部（黑色）",
                    "quantity": "1部",
                    "note": "已封存",
                },
                {"kind": "案卷材料", "description": "诉讼文书卷、证据卷", "quantity": "2册"},
            ],
            "sender": {"unit": "成都市公安局武侯区分局", "officer": "李明", "at": "2026年3月8日 10:05"},
            "receiver": {"unit": "昆明市公安局五华区分局", "officer": "赵刚", "at": "2026年3月8日 11:20"},
        },
    }
)


# The filing's documents as cases.filing and cases.refusal write them (MPS-2020 arts 178, 179).
SAMPLE_FIELDS.update(
    {
        "case_filing_decision": {
            "case_name": "成都“4·15”诈骗案",
            "case_number": "A5101072026030001",
            "suspects": "吉𠮷、龚某",
            "legal_basis": (
                "《中华人民共和国刑事诉讼法》第一百零九条、《公安机关办理刑事案件程序规定》第一百七十八条"
            ),
            "handling_unit": "成都市公安局武侯区分局",
            **_STUB_PEOPLE,
        },
        "case_not_filing_notice": {
            "case_name": "成都“4·15”诈骗案",
            "case_number": "A5101072026030001",
            "complainants": "张某某",
            "suspects": "吉𠮷",
            "ground": "没有犯罪事实",
            "legal_basis": "《公安机关办理刑事案件程序规定》第一百七十八条第一款",
            "reconsideration": "《公安机关办理刑事案件程序规定》第一百七十九条第一款",
            "handling_unit": "成都市公安局武侯区分局",
            **_STUB_PEOPLE,
        },
        kinds.REVOCATION_DECISION.code: {
            "recipient": "昆明市公安局",
            "revoked_title": "移送案件通知书",
            "revoked_subject": "",
            "revoked_number": "成武公（刑）移字〔2026〕4号",
            "revoked_date": "2026年3月8日",
            "reason": "移送的案件经查不属昆明市公安局管辖",
            "legal_basis": "《公安机关办理刑事案件程序规定》第七条第一款",
            **_STUB_PEOPLE,
        },
    }
)
