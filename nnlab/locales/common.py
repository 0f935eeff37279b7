"""Text shared by every page: navigation, sidebar, model choice, common notices."""

TEXTS = {
    "nav.home": ("Home", "홈"),
    "nav.build": ("Build & Train", "만들고 학습하기"),
    "nav.evaluate": ("Evaluate", "평가"),
    "nav.draw": ("Draw", "그려 보기"),
    "nav.inside": ("Inside", "신경망 속"),
    "nav.classroom": ("Classroom", "교실"),
    "common.language": ("Language", "언어"),
    "common.projector": ("Projector mode", "프로젝터 모드"),
    "common.projector_help": (
        "Large charts and text for a classroom projector. A link can open it: add "
        "projector=1 to the address.",
        "교실 프로젝터용으로 차트와 글자를 크게 보여 줍니다. 주소에 projector=1을 붙인 링크로도 "
        "열 수 있습니다.",
    ),
    "common.coming_soon": ("This page is coming soon.", "이 페이지는 곧 열립니다."),
    "models.pick": ("Model", "모델"),
    "models.default_label": (
        "Default digit model (small CNN, ships with NN Lab)",
        "기본 숫자 모델 (NN Lab에 포함된 작은 CNN)",
    ),
    "models.loading_default": ("Loading the default digit model…", "기본 숫자 모델을 불러오는 중…"),
}
