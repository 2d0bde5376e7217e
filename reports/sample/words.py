"""Words for the sample city (reports.sample.city) and the benchmark data (bench/synth.py).

Units of Hà Nội with their real names, and phrase lists from which believable Vietnamese
summaries of documents and directives are built. Data only: no logic.
"""

from __future__ import annotations

CITY = ("UBND-HN", "UBND thành phố Hà Nội")

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("SO-KHDT", "Sở Kế hoạch và Đầu tư"),
    ("SO-TC", "Sở Tài chính"),
    ("SO-XD", "Sở Xây dựng"),
    ("SO-TNMT", "Sở Tài nguyên và Môi trường"),
    ("SO-GTVT", "Sở Giao thông vận tải"),
    ("SO-YT", "Sở Y tế"),
    ("SO-GDDT", "Sở Giáo dục và Đào tạo"),
    ("SO-TP", "Sở Tư pháp"),
    ("SO-NV", "Sở Nội vụ"),
    ("SO-CT", "Sở Công Thương"),
)

# The thirty districts, towns and district-level town of Hà Nội (12 quận, 17 huyện, 1 thị xã).
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("UBND-BA-DINH", "UBND quận Ba Đình"),
    ("UBND-HOAN-KIEM", "UBND quận Hoàn Kiếm"),
    ("UBND-DONG-DA", "UBND quận Đống Đa"),
    ("UBND-CAU-GIAY", "UBND quận Cầu Giấy"),
    ("UBND-HAI-BA-TRUNG", "UBND quận Hai Bà Trưng"),
    ("UBND-TAY-HO", "UBND quận Tây Hồ"),
    ("UBND-LONG-BIEN", "UBND quận Long Biên"),
    ("UBND-HA-DONG", "UBND quận Hà Đông"),
    ("UBND-BAC-TU-LIEM", "UBND quận Bắc Từ Liêm"),
    ("UBND-NAM-TU-LIEM", "UBND quận Nam Từ Liêm"),
    ("UBND-HOANG-MAI", "UBND quận Hoàng Mai"),
    ("UBND-THANH-XUAN", "UBND quận Thanh Xuân"),
    ("UBND-SON-TAY", "UBND thị xã Sơn Tây"),
    ("UBND-BA-VI", "UBND huyện Ba Vì"),
    ("UBND-THANH-OAI", "UBND huyện Thanh Oai"),
    ("UBND-CHUONG-MY", "UBND huyện Chương Mỹ"),
    ("UBND-DAN-PHUONG", "UBND huyện Đan Phượng"),
    ("UBND-DONG-ANH", "UBND huyện Đông Anh"),
    ("UBND-GIA-LAM", "UBND huyện Gia Lâm"),
    ("UBND-HOAI-DUC", "UBND huyện Hoài Đức"),
    ("UBND-ME-LINH", "UBND huyện Mê Linh"),
    ("UBND-MY-DUC", "UBND huyện Mỹ Đức"),
    ("UBND-PHU-XUYEN", "UBND huyện Phú Xuyên"),
    ("UBND-PHUC-THO", "UBND huyện Phúc Thọ"),
    ("UBND-QUOC-OAI", "UBND huyện Quốc Oai"),
    ("UBND-SOC-SON", "UBND huyện Sóc Sơn"),
    ("UBND-THACH-THAT", "UBND huyện Thạch Thất"),
    ("UBND-THANH-TRI", "UBND huyện Thanh Trì"),
    ("UBND-THUONG-TIN", "UBND huyện Thường Tín"),
    ("UBND-UNG-HOA", "UBND huyện Ứng Hòa"),
)

# A few wards and communes, under the districts the sample city names (code, name, parent).
COMMUNES: tuple[tuple[str, str, str], ...] = (
    ("P-PHUC-XA", "UBND phường Phúc Xá", "UBND-BA-DINH"),
    ("P-TRUC-BACH", "UBND phường Trúc Bạch", "UBND-BA-DINH"),
    ("P-KIM-MA", "UBND phường Kim Mã", "UBND-BA-DINH"),
    ("P-HANG-BAC", "UBND phường Hàng Bạc", "UBND-HOAN-KIEM"),
    ("P-TRANG-TIEN", "UBND phường Tràng Tiền", "UBND-HOAN-KIEM"),
    ("P-VAN-MIEU", "UBND phường Văn Miếu", "UBND-DONG-DA"),
    ("X-TONG-BAT", "UBND xã Tòng Bạt", "UBND-BA-VI"),
    ("X-CAM-THUONG", "UBND xã Cam Thượng", "UBND-BA-VI"),
)

ACTIONS = (
    "Ban hành quyết định phê duyệt",
    "Chỉ đạo triển khai",
    "Giao các sở, ngành tham mưu",
    "Phê duyệt kế hoạch thực hiện",
    "Yêu cầu các quận, huyện, thị xã thực hiện",
    "Ban hành văn bản hướng dẫn",
    "Đôn đốc triển khai",
    "Thông báo kết luận về",
    "Chỉ đạo tăng cường",
    "Báo cáo kết quả thực hiện",
)

TOPICS: dict[str, tuple[str, ...]] = {
    "kinh_te": (
        "điều chỉnh kế hoạch đầu tư công",
        "chương trình xúc tiến thương mại, nông nghiệp",
        "dự toán ngân sách bổ sung cho các đơn vị",
        "danh mục tài sản mua sắm tập trung",
        "phát triển sản phẩm OCOP của Thành phố",
        "hỗ trợ doanh nghiệp nhỏ và vừa",
        "thu hút đầu tư trực tiếp nước ngoài",
        "phát triển sản phẩm công nghiệp chủ lực",
    ),
    "do_thi": (
        "giải phóng mặt bằng các dự án giao thông",
        "quản lý trật tự xây dựng",
        "giao đất, thu hồi đất thực hiện dự án",
        "bảo trì hạ tầng giao thông đô thị",
        "cải tạo hệ thống thoát nước",
        "chỉnh trang đô thị, chiếu sáng công cộng",
        "quản lý chất lượng công trình xây dựng",
        "thu gom, vận chuyển rác thải sinh hoạt",
    ),
    "van_hoa_xa_hoi": (
        "phòng, chống dịch bệnh",
        "công nhận trường đạt chuẩn quốc gia",
        "tổ chức các hoạt động văn hóa, thể thao",
        "chăm lo gia đình chính sách, người có công",
        "cung ứng thuốc cho các bệnh viện thuộc Thành phố",
        "đào tạo nghề cho lao động nông thôn",
        "giám sát người nhập cảnh",
        "bảo tồn, phát huy giá trị di tích",
    ),
    "noi_chinh": (
        "cải cách thủ tục hành chính",
        "giải quyết khiếu nại, tố cáo của công dân",
        "xử phạt vi phạm hành chính",
        "công bố danh mục thủ tục hành chính",
        "bảo đảm an ninh, trật tự an toàn xã hội",
        "khảo sát sự hài lòng của người dân",
        "phòng cháy, chữa cháy",
        "tiếp công dân định kỳ",
    ),
}

# Where a directive's topic applies; "{year}" is the record's year.
SCOPES = ("", " trên địa bàn Thành phố", " năm {year}", " tại các quận, huyện, thị xã")

DOC_TYPES = ("Công văn", "Tờ trình", "Báo cáo", "Quyết định", "Kế hoạch", "Thông báo", "Giấy mời")

SOURCES = (
    "Sở Kế hoạch và Đầu tư",
    "Sở Tài chính",
    "Sở Xây dựng",
    "UBND quận Ba Đình",
    "Bộ Nội vụ",
    "Văn phòng Chính phủ",
    "Sở Y tế",
    "UBND huyện Ba Vì",
    "Công an Thành phố",
    "Thành ủy Hà Nội",
)

# Directive number suffixes ("4278/QĐ-UBND") by field.
NUMBER_SUFFIXES: dict[str, tuple[str, ...]] = {
    "kinh_te": ("QĐ-UBND", "UBND-KT", "KH-UBND"),
    "do_thi": ("QĐ-UBND", "UBND-ĐT", "UBND-GPMB"),
    "van_hoa_xa_hoi": ("QĐ-UBND", "UBND-KGVX", "KH-UBND"),
    "noi_chinh": ("QĐ-UBND", "UBND-NC", "TB-UBND"),
}

# Second and later paragraphs of a highlight's body.
FOLLOW_UPS = (
    "Giao các sở, ngành và UBND các quận, huyện, thị xã theo chức năng, nhiệm vụ tổ chức thực "
    "hiện; định kỳ báo cáo kết quả về UBND Thành phố.",
    "Sở Kế hoạch và Đầu tư chủ trì, phối hợp các đơn vị liên quan rà soát, tổng hợp khó khăn, "
    "vướng mắc, đề xuất giải pháp tháo gỡ.",
    "Yêu cầu Thủ trưởng các đơn vị chịu trách nhiệm trước UBND Thành phố về tiến độ và chất "
    "lượng thực hiện nhiệm vụ được giao.",
    "Văn phòng UBND Thành phố theo dõi, đôn đốc, tổng hợp kết quả thực hiện, báo cáo Chủ tịch "
    "UBND Thành phố.",
)
