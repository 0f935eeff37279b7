"""Texts of the time estimates: Build & Train, a new class, a new step, the board."""

TEXTS = {
    "estimate.seconds": ("about {n} s", "약 {n}초"),
    "estimate.minutes": ("about {n} min", "약 {n}분"),
    "estimate.alone": (
        "This run takes {time} alone on this server.",
        "이 서버에서 혼자 학습하면 {time} 걸립니다.",
    ),
    "estimate.class_one": (
        "For {students} students: {time} with 1 worker.",
        "학생 {students}명이면 워커 1개로 {time} 걸립니다.",
    ),
    "estimate.class_many": (
        "For {students} students: {time} with {workers} workers.",
        "학생 {students}명이면 워커 {workers}개로 {time} 걸립니다.",
    ),
    "estimate.guess": (
        "(A first guess from the network's size: it gets exact once a run of it has trained here.)",
        "(신경망 크기로 어림한 값입니다. 이 서버에서 한 번 학습하면 정확해집니다.)",
    ),
    "estimate.too_long": (
        "The whole class would wait {time}: more than 5 minutes of the lesson.",
        "반 전체가 {time} 기다려야 합니다. 수업 시간 5분이 넘습니다.",
    ),
    "estimate.fit": ("To fit in 2 minutes", "2분 안에 끝내려면"),
    "estimate.fit_keep": ("Keep the settings", "설정 그대로"),
    "estimate.fit_images": ("{images} training images", "학습 이미지 {images}장"),
    "estimate.fit_epochs": ("{epochs} epochs", "에포크 {epochs}번"),
    "estimate.fit_epoch_one": ("1 epoch", "에포크 1번"),
    "estimate.fit_none": (
        "Even the smallest training set does not fit in 2 minutes: choose a smaller network.",
        "학습 이미지를 가장 적게 해도 2분 안에 끝나지 않습니다. 더 작은 신경망을 고르세요.",
    ),
    "estimate.board_end": (
        "Every queued and training run should be finished in {time}.",
        "대기 중이거나 학습 중인 실행이 모두 끝나기까지 {time} 남았습니다.",
    ),
}
