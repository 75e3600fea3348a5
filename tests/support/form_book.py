"""The stub fields of the form book's release, handover and filing kinds (issue 19), shared by the
form tests: tests/documents/test_forms_release_handover.py renders them, test_forms_v2.py checks that
every registered kind is in one form test's table."""

# Per kind: the stub's labels, and the values its rich sample prints there.
STUB_FIELDS = {
    "property_unfreeze_notice": (
        (
            "案件名称：",
            "案件编号：",
            "被冻结人：",
            "身份证件号码：",
            "协助单位：",
            "解除冻结财产：",
            "解除冻结数额：",
        ),
        ("A5101072026030001", "520102199003070011", "人民币伍拾万元", "成武公（刑）冻字〔2026〕3号"),
    ),
    "sealing_release_decision": (
        ("案件名称：", "案件编号：", "被查封人：", "解除查封财物、文件：", "解除原因：", "原查封决定书："),
        ("A5101072026030001", "经查明确实与案件无关", "成武公（刑）封字〔2026〕2号"),
    ),
    "seizure_release_decision": (
        ("案件名称：", "案件编号：", "被扣押人：", "解除扣押财物、文件：", "解除原因：", "原扣押决定书："),
        ("A5101072026030001", "已提取电子数据，无需继续扣押", "成武公（刑）扣字〔2026〕5号"),
    ),
}

# The filing decisions' stub labels (MPS-2020 art 178).
FILING_STUB = {
    "case_filing_decision": ("案件名称：", "案件编号：", "犯罪嫌疑人：", "主办单位："),
    "case_not_filing_notice": ("案件名称：", "案件编号：", "控告人：", "犯罪嫌疑人：", "不予立案原因："),
}
