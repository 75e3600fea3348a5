"""Sample field data per document kind: for the render benchmark, template previews and tests.

The values are invented but shaped like a real file (a fraud case between Chengdu and Kunming); a
name with a character outside the GB 2312 range (𠮷) keeps the font fallback in every measurement.
"""

from documents import kinds

SAMPLE_FIELDS: dict[str, dict[str, str]] = {
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
