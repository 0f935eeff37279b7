"""Text shared by every page: navigation, sidebar, model choice, common notices."""

TEXTS = {
    "nav.home": ("Home", "홈"),
    "nav.build": ("Build & Train", "만들고 학습하기"),
    "nav.evaluate": ("Evaluate", "평가"),
    "nav.draw": ("Draw", "그려 보기"),
    "nav.inside": ("Inside", "신경망 속"),
    "nav.classroom": ("Classroom", "교실"),
    "common.language": ("Language", "언어"),
    "common.coming_soon": ("This page is coming soon.", "이 페이지는 곧 열립니다."),
}
