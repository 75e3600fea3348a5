"""Division codes of the units the tests name (all in the loaded organisation, data/units.csv)."""

MPS = "000000"  # 公安部
CHONGQING = "500000"  # 重庆市公安局
YUZHONG = "500103"  # 重庆市公安局渝中区分局
SICHUAN = "510000"  # 四川省公安厅
CHENGDU = "510100"  # 成都市公安局
WUHOU = "510107"  # 成都市公安局武侯区分局
GUIZHOU = "520000"  # 贵州省公安厅
GUIYANG = "520100"  # 贵阳市公安局
NANMING = "520102"  # 贵阳市公安局南明区分局
YUNNAN = "530000"  # 云南省公安厅
KUNMING = "530100"  # 昆明市公安局
WUHUA = "530102"  # 昆明市公安局五华区分局
TIBET = "540000"  # 西藏自治区公安厅
QINGHAI = "630000"  # 青海省公安厅
XINING = "630100"  # 西宁市公安局

# The six provincial organs of 泛西南, in the rotation order of DOMAIN.md §5.
SIX = (CHONGQING, SICHUAN, GUIZHOU, YUNNAN, TIBET, QINGHAI)
