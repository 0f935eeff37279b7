"""Text of the Evaluate page."""

TEXTS = {
    "evaluate.title": ("Evaluate", "평가"),
    "evaluate.intro": (
        "How well does the model do on test images it never trained on, and which ones does it "
        "get wrong?",
        "학습에 쓰지 않은 테스트 이미지에서 모델이 얼마나 잘 맞히는지, 어떤 이미지를 틀리는지 "
        "살펴봅니다.",
    ),
    "evaluate.no_model": (
        "There is no model to evaluate yet. Train one on Build & Train (a preset takes one "
        "click), then come back here.",
        "아직 평가할 모델이 없습니다. '만들고 학습하기'에서 모델을 학습시킨 뒤(프리셋은 클릭 한 "
        "번이면 됩니다) 다시 오세요.",
    ),
    "evaluate.go_train": ("Go to Build & Train", "만들고 학습하기로 가기"),
    "evaluate.or_default": (
        "Or evaluate the default digit model that ships with NN Lab (loading it takes a few "
        "seconds).",
        "또는 NN Lab에 포함된 기본 숫자 모델을 평가해 보세요 (불러오는 데 몇 초 걸립니다).",
    ),
    "evaluate.use_default": ("Evaluate the default digit model", "기본 숫자 모델 평가하기"),
    "evaluate.model_failed": (
        "Could not load this model: {error}",
        "이 모델을 불러오지 못했습니다: {error}",
    ),
    "evaluate.computing": (
        "Classifying {count} test images…",
        "테스트 이미지 {count}장을 분류하는 중…",
    ),
    "evaluate.failed": (
        "Could not evaluate this model: {error}",
        "이 모델을 평가하지 못했습니다: {error}",
    ),
    "evaluate.data_used": (
        "Evaluated on the {count} test images of {name}. {summary}. ({seconds:.1f} s)",
        "{name}의 테스트 이미지 {count}장으로 평가했습니다. {summary}. ({seconds:.1f}초)",
    ),
    "evaluate.sample_warning": (
        "This is the small bundled sample, not the full test set: expect the figures to differ "
        "a little from the tutorials'.",
        "전체 테스트 세트가 아닌 작은 표본입니다: 튜토리얼의 수치와 조금 다를 수 있습니다.",
    ),
    # Figures side by side.
    "evaluate.figures": ("Results", "결과"),
    "evaluate.test_accuracy": ("Test accuracy", "테스트 정확도"),
    "evaluate.test_loss": ("Test loss", "테스트 손실"),
    "evaluate.wrong": (
        "{wrong} of {count} test images wrong",
        "테스트 이미지 {count}장 중 {wrong}장 틀림",
    ),
    "evaluate.loss.sparse_categorical_crossentropy": (
        "Sparse categorical cross-entropy",
        "희소 범주형 교차 엔트로피",
    ),
    "evaluate.loss.categorical_crossentropy": (
        "Categorical cross-entropy (one-hot labels)",
        "범주형 교차 엔트로피 (원-핫 레이블)",
    ),
    "evaluate.loss.mean_squared_error": ("Mean squared error", "평균 제곱 오차"),
    "evaluate.train_accuracy": (
        "Training accuracy (epoch {epoch})",
        "학습 정확도 ({epoch}번째 에포크)",
    ),
    "evaluate.val_accuracy": (
        "Validation accuracy (epoch {epoch})",
        "검증 정확도 ({epoch}번째 에포크)",
    ),
    "evaluate.loss_value": ("loss {loss}", "손실 {loss}"),
    "evaluate.published.test_accuracy": ("Tutorial's test accuracy", "튜토리얼의 테스트 정확도"),
    "evaluate.published.val_accuracy": (
        "Tutorial's validation accuracy",
        "튜토리얼의 검증 정확도",
    ),
    "evaluate.published.accuracy": ("Tutorial's training accuracy", "튜토리얼의 학습 정확도"),
    "evaluate.published_caption": ("Preset: {title}", "프리셋: {title}"),
    "evaluate.vs_tutorial": (
        "{points} vs the tutorial",
        "튜토리얼 대비 {points}",
    ),
    "evaluate.no_training_figures": (
        "No training history for this model (it was uploaded or ships with NN Lab).",
        "이 모델에는 학습 기록이 없습니다 (업로드했거나 NN Lab에 포함된 모델입니다).",
    ),
    # Confusion matrix.
    "evaluate.confusion": ("Confusion matrix", "혼동 행렬"),
    "evaluate.confusion_help": (
        "Each row is the true class, each column what the model predicted; the diagonal holds "
        "the right answers. Click a cell to see its images below.",
        "행은 실제 클래스, 열은 모델이 예측한 클래스이며 대각선이 정답입니다. 칸을 클릭하면 "
        "아래에 해당 이미지가 나옵니다.",
    ),
    "evaluate.true_class": ("True class", "실제 클래스"),
    "evaluate.predicted_class": ("Predicted class", "예측한 클래스"),
    "evaluate.count": ("Images", "이미지 수"),
    # Per-class table.
    "evaluate.per_class": ("Per class", "클래스별 지표"),
    "evaluate.per_class_help": (
        "Accuracy (= recall): of the images of this class, the share the model got right. "
        "Precision: of the images the model called this class, the share that really are.",
        "정확도(= 재현율): 이 클래스의 이미지 중 모델이 맞힌 비율. 정밀도: 모델이 이 클래스라고 "
        "답한 이미지 중 실제로 이 클래스인 비율.",
    ),
    "evaluate.column.class": ("Class", "클래스"),
    "evaluate.column.images": ("Test images", "테스트 이미지"),
    "evaluate.column.accuracy": ("Accuracy", "정확도"),
    "evaluate.column.precision": ("Precision", "정밀도"),
    "evaluate.column.recall": ("Recall", "재현율"),
    # Samples grid.
    "evaluate.mistakes": ("Misclassified samples", "잘못 분류한 이미지"),
    "evaluate.mistakes_help": (
        "The most confident mistakes come first. Filter by class, or click a cell of the "
        "confusion matrix; click a number under an image to see all ten probabilities.",
        "가장 자신 있게 틀린 이미지가 먼저 나옵니다. 클래스로 거르거나 혼동 행렬의 칸을 "
        "클릭하세요. 이미지 아래 번호를 누르면 열 개 클래스의 확률이 모두 나옵니다.",
    ),
    "evaluate.filter_true": ("True class", "실제 클래스"),
    "evaluate.filter_predicted": ("Predicted class", "예측한 클래스"),
    "evaluate.any_class": ("Any", "전체"),
    "evaluate.page": ("Page (of {pages})", "페이지 (전체 {pages})"),
    "evaluate.showing_mistakes": (
        "{count} misclassified images match",
        "조건에 맞는 잘못 분류한 이미지 {count}장",
    ),
    "evaluate.showing_right": (
        "{count} images of {name} classified right, least confident first",
        "{name} 클래스를 맞힌 이미지 {count}장 (자신 없던 것부터)",
    ),
    "evaluate.none_match": (
        "No test image matches this choice.",
        "이 조건에 맞는 테스트 이미지가 없습니다.",
    ),
    "evaluate.no_mistakes": (
        "The model got every test image right.",
        "모델이 모든 테스트 이미지를 맞혔습니다.",
    ),
    "evaluate.tile": (
        "Label: {label} · Predict: {predicted}  \n{confidence:.0%} sure",
        "정답: {label} · 예측: {predicted}  \n확신 {confidence:.0%}",
    ),
    "evaluate.show_sample": (
        "Show probabilities of test image {index}",
        "테스트 이미지 {index}의 확률 보기",
    ),
    "evaluate.sample": ("Test image #{index}", "테스트 이미지 #{index}"),
    "evaluate.sample_caption": (
        "Label: {label} · Predict: {predicted}",
        "정답: {label} · 예측: {predicted}",
    ),
    "evaluate.probability": ("Probability", "확률"),
    "evaluate.class": ("Class", "클래스"),
    "evaluate.top3": ("Top 3: {top}", "상위 3개: {top}"),
    "evaluate.shares_note": (
        "This model ends in sigmoids: its ten outputs are independent scores that need not add "
        "up to 100%. Shown here as shares of their sum.",
        "이 모델의 출력층은 시그모이드라서 열 개의 출력이 서로 독립된 점수이며 합이 100%가 "
        "아닐 수 있습니다. 여기서는 합에 대한 비율로 보여 줍니다.",
    ),
}
