"""Text for the Draw page."""

TEXTS = {
    "draw.title": ("Draw a digit", "숫자를 그려 보세요"),
    "draw.intro": (
        "Draw a digit with the mouse (or a finger) and the network reads it as you draw. Before "
        "the model sees it, the drawing is prepared the MNIST way: cropped to the ink, the longer "
        "side scaled to 20 pixels, and pasted into a 28x28 square with its centre of mass in the "
        "middle.",
        "마우스(또는 손가락)로 숫자를 그리면 그리는 동안 신경망이 읽어 냅니다. 모델에 넣기 전에 "
        "그림을 MNIST 방식으로 준비합니다: 잉크 부분만 잘라 내고, 긴 변을 20픽셀로 줄인 뒤, "
        "무게중심이 가운데 오도록 28x28 정사각형에 붙입니다.",
    ),
    "draw.how_title": (
        "How the drawing is prepared, and the canvas toolbar",
        "그림을 준비하는 방법과 캔버스 도구 모음",
    ),
    "draw.source": ("Input", "입력"),
    "draw.source_canvas": ("Draw on the canvas", "캔버스에 그리기"),
    "draw.source_photo": ("Upload a photo or scan", "사진이나 스캔 올리기"),
    "draw.stroke_width": ("Pen width", "펜 굵기"),
    "draw.colours": ("Colours", "색"),
    # Short: the select box is about 180 px wide beside the pen slider at 1366x768.
    "draw.colours_light_on_dark": ("White on black (MNIST)", "검정 바탕 흰 글씨"),
    "draw.colours_dark_on_light": ("Black on white (paper)", "흰 바탕 검은 글씨"),
    "draw.clear": ("Clear", "지우기"),
    "draw.toolbar_help": (
        "Point at the canvas to show its toolbar (top right): undo, redo and the bin, which "
        "clears everything.",
        "캔버스에 마우스를 올리면 오른쪽 위에 도구 모음이 나타납니다: 실행 취소, 다시 실행, "
        "모두 지우기(휴지통).",
    ),
    "draw.canvas_failed": (
        "The drawing canvas could not be shown here ({error}). You can still upload a photo.",
        "여기서는 그림판을 표시할 수 없습니다 ({error}). 사진은 올릴 수 있습니다.",
    ),
    "draw.photo_file": (
        "Photo or scan of one digit (PNG or JPEG)",
        "숫자 하나를 찍은 사진이나 스캔 (PNG 또는 JPEG)",
    ),
    "draw.photo_help": (
        "One digit, dark on light paper or light on dark, filling a good part of the picture. "
        "Large photos are shrunk first; files over 10 MB are refused.",
        "숫자 하나만, 밝은 종이에 어두운 글씨(또는 그 반대)로, 사진의 많은 부분을 차지하게 "
        "찍어 주세요. 큰 사진은 먼저 줄이며 10MB가 넘는 파일은 받지 않습니다.",
    ),
    "draw.photo_failed": (
        "This image cannot be used: {error}",
        "이 이미지는 쓸 수 없습니다: {error}",
    ),
    "draw.photo_error.empty": ("The file is empty.", "파일이 비어 있습니다."),
    "draw.photo_error.too_big": (
        "The image is {size} MB; the limit is {limit} MB.",
        "이미지가 {size}MB입니다. 최대 {limit}MB까지 올릴 수 있습니다.",
    ),
    "draw.photo_error.format": (
        "Only PNG and JPEG images are supported; this file is {format}.",
        "PNG와 JPEG 이미지만 쓸 수 있습니다. 이 파일은 {format}입니다.",
    ),
    "draw.photo_error.too_many_pixels": (
        "The image is {width}x{height} pixels, too large to process; shrink it below "
        "40 megapixels.",
        "이미지가 {width}x{height} 픽셀로 너무 커서 처리할 수 없습니다. 4천만 픽셀 아래로 "
        "줄여 주세요.",
    ),
    "draw.photo_error.bomb": (
        "The image claims an enormous size (too large to open safely); it was not opened.",
        "이미지가 엄청난 크기라고 적혀 있어 안전하게 열 수 없습니다. 열지 않았습니다.",
    ),
    "draw.photo_error.unreadable": (
        "This file is not a readable PNG or JPEG image. Choose a photo or a scan saved as PNG "
        "or JPEG.",
        "읽을 수 있는 PNG 또는 JPEG 이미지가 아닙니다. PNG나 JPEG로 저장한 사진이나 스캔을 "
        "골라 주세요.",
    ),
    "draw.photo_prompt": (
        "Upload a photo or scan of a digit to see what the model reads.",
        "숫자를 찍은 사진이나 스캔을 올리면 모델이 무엇으로 읽는지 보여 줍니다.",
    ),
    "draw.photo_blank": (
        "No digit found in this image: it looks empty. Try a photo with darker, larger writing.",
        "이 이미지에서 숫자를 찾지 못했습니다. 더 진하고 크게 쓴 글씨로 다시 찍어 보세요.",
    ),
    "draw.prompt": (
        "Draw a digit on the canvas: the prediction appears here.",
        "캔버스에 숫자를 그리면 여기에 예측이 나타납니다.",
    ),
    "draw.prompt_detail": (
        "An empty canvas, or a dot, is not a digit, so there is nothing to predict yet.",
        "빈 캔버스나 점 하나는 숫자가 아니므로 아직 예측할 것이 없습니다.",
    ),
    "draw.prediction": ("Prediction", "예측"),
    "draw.not_sure": ("Not sure", "잘 모르겠어요"),
    "draw.confidence": ("{percent} sure", "확신도 {percent}"),
    "draw.best_guess": (
        "Best guess {label} at only {percent}: below the {threshold} the model needs to be sure.",
        "가장 가능성 높은 답은 {label}이지만 {percent}뿐이라, 확신 기준 {threshold}에 못 미칩니다.",
    ),
    "draw.threshold": ("Sure from", "확신 기준"),
    "draw.threshold_help": (
        "Below this probability the page says 'not sure' instead of naming a class.",
        "가장 높은 확률이 이 값보다 낮으면 답 대신 '잘 모르겠어요'라고 표시합니다.",
    ),
    "draw.model_sees": ("What the model sees (28x28)", "모델이 보는 그림 (28x28)"),
    "draw.probabilities": ("Probability of each class", "클래스별 확률"),
    "draw.class": ("Class", "클래스"),
    "draw.probability": ("Probability", "확률"),
    "draw.latency": (
        "Predicted in {ms} ms on the server.",
        "서버에서 {ms}ms 만에 예측했습니다.",
    ),
    "draw.fashion_note": (
        "This model was trained on Fashion-MNIST: it knows 10 kinds of clothing, not digits. "
        "Whatever you draw, it answers with clothing, so try drawing a trouser, a shirt or a bag "
        "as a filled silhouette, white on black. Pick a digit model to read digits.",
        "이 모델은 Fashion-MNIST로 학습했으므로 숫자가 아니라 10가지 옷 종류를 압니다. 무엇을 "
        "그리든 옷 이름으로 답하니, 바지나 셔츠, 가방을 검정 바탕에 흰색으로 채워서 그려 보세요. "
        "숫자를 읽히려면 숫자 모델을 고르세요.",
    ),
    "draw.model_failed": (
        "The model could not be loaded: {error}",
        "모델을 불러오지 못했습니다: {error}",
    ),
    "draw.predict_failed": (
        "The model could not predict this image: {error}",
        "모델이 이 이미지를 예측하지 못했습니다: {error}",
    ),
    "draw.no_model": (
        "No model is available yet. Train one on Build & Train, or upload one below.",
        "아직 쓸 수 있는 모델이 없습니다. '만들고 학습하기'에서 학습하거나 아래에서 올리세요.",
    ),
    "draw.inside_link": (
        "Open this model on the Inside page, with your drawing",
        "이 그림으로 '신경망 속' 페이지에서 모델 들여다보기",
    ),
}
