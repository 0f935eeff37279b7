"""Text for the shared model picker's upload and download (pages/common/models.py)."""

TEXTS = {
    "models.upload_title": ("Upload a model (.keras or .h5)", "모델 올리기 (.keras 또는 .h5)"),
    "models.upload_help": (
        "A Keras model that takes 28x28 images and gives 10 outputs, saved with model.save(). "
        "It is loaded in Keras' safe mode: Lambda layers and custom code are refused. Models "
        "without a Rescaling layer are assumed to expect pixels divided by 255, as in the "
        "tutorials. Up to 100 MB.",
        "28x28 이미지를 받아 10개의 출력을 내는 Keras 모델(model.save()로 저장한 파일). "
        "Keras 안전 모드로 불러오므로 Lambda 층과 사용자 코드는 거부됩니다. Rescaling 층이 "
        "없는 모델은 튜토리얼처럼 픽셀 값을 255로 나눈 입력을 받는다고 봅니다. 최대 100MB.",
    ),
    "models.upload_classes": ("Its 10 outputs are", "이 모델의 10개 출력은"),
    "models.classes_mnist": ("digits 0-9 (MNIST)", "숫자 0-9 (MNIST)"),
    "models.classes_fashion_mnist": ("clothing (Fashion-MNIST)", "옷 종류 (Fashion-MNIST)"),
    "models.upload_file": ("Model file", "모델 파일"),
    "models.upload_loading": ("Checking and loading the model…", "모델을 확인하고 불러오는 중…"),
    "models.upload_failed": (
        "Could not use {name}: {error}",
        "{name} 파일을 쓸 수 없습니다: {error}",
    ),
    "models.upload_ok": (
        "{name} is loaded: pick it in the Model list (on Evaluate, Draw and Inside too).",
        "{name}을(를) 불러왔습니다. 모델 목록에서 고르세요 "
        "(평가, 그려 보기, 신경망 속 페이지에서도).",
    ),
    "models.upload_label": ("Uploaded #{number} · {name}", "올린 모델 #{number} · {name}"),
    "models.download": ("Download this model (.keras)", "이 모델 내려받기 (.keras)"),
    "models.download_failed": (
        "This model cannot be saved: {error}",
        "이 모델은 저장할 수 없습니다: {error}",
    ),
}
