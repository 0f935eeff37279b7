"""Text for the Inside page."""

TEXTS = {
    "inside.title": ("Inside the network", "신경망 속 들여다보기"),
    "inside.intro": (
        "Open a trained model up: its layers, its weights, what each layer does with one image, "
        "and the same computation done by hand in NumPy.",
        "학습한 모델을 열어 봅니다: 층 구성, 가중치, 이미지 한 장에 각 층이 하는 일, 그리고 "
        "같은 계산을 NumPy로 직접 해 본 결과까지.",
    ),
    "inside.no_model": (
        "No model is available yet. Train one on Build & Train, or upload one below.",
        "아직 쓸 수 있는 모델이 없습니다. '만들고 학습하기'에서 학습하거나 아래에서 올리세요.",
    ),
    "inside.model_failed": (
        "The model could not be loaded: {error}",
        "모델을 불러오지 못했습니다: {error}",
    ),
    "inside.tab_summary": ("Layers", "층 구성"),
    "inside.tab_weights": ("Weights", "가중치"),
    "inside.tab_activations": ("Layer outputs", "층별 출력"),
    "inside.tab_numpy": ("The same network in NumPy", "NumPy로 만든 같은 신경망"),
    "inside.tab_functions": ("Activation functions", "활성화 함수"),
    "inside.summary_caption": (
        "The rows of Keras' model.summary(): {params} parameters in total.",
        "Keras model.summary()의 내용입니다: 파라미터는 모두 {params}개입니다.",
    ),
    "inside.col_layer": ("Layer", "층"),
    "inside.col_type": ("Type", "종류"),
    "inside.col_shape": ("Output shape", "출력 모양"),
    "inside.col_params": ("Parameters", "파라미터 수"),
    "inside.diagram": ("Diagram", "구조도"),
    "inside.summary_failed": (
        "The summary could not be made: {error}",
        "요약을 만들지 못했습니다: {error}",
    ),
    "inside.input_image_alt": (
        "The image this layer passes on, enlarged.",
        "이 층이 내보내는 이미지를 크게 키운 그림.",
    ),
    "inside.dense_weights": (
        "First layer: one 28x28 image per hidden unit. Each pixel is the weight from that pixel "
        "of the input to the unit: red pushes the unit up, blue pushes it down.",
        "첫 번째 층: 은닉 유닛마다 28x28 이미지 하나. 각 픽셀은 입력의 그 픽셀에서 유닛으로 가는 "
        "가중치입니다. 빨강은 유닛을 켜고, 파랑은 끕니다.",
    ),
    "inside.conv_filters": (
        "First conv layer: its {count} filters ({size}x{size}). Each slides over the image and "
        "responds where the image looks like it: red weights like ink, blue ones like background.",
        "첫 번째 합성곱 층의 필터 {count}개 ({size}x{size}). 필터는 이미지 위를 움직이며 자기와 "
        "닮은 곳에서 강하게 반응합니다. 빨강은 잉크를, 파랑은 바탕을 좋아합니다.",
    ),
    "inside.no_weight_images": (
        "The first layer with weights is neither a Dense layer reading the 784 pixels nor a "
        "Conv2D layer, so there is no picture of it.",
        "가중치가 있는 첫 층이 784개 픽셀을 읽는 Dense 층도, Conv2D 층도 아니어서 그림으로 "
        "보여 줄 수 없습니다.",
    ),
    "inside.units_shown": (
        "Showing {shown} of {total} units.",
        "유닛 {total}개 중 {shown}개를 보여 줍니다.",
    ),
    "inside.histograms": ("Weights and biases, layer by layer", "층별 가중치와 편향 분포"),
    "inside.histogram_caption": (
        "{layer} · {kind} {shape}: mean {mean}, standard deviation {std}",
        "{layer} · {kind} {shape}: 평균 {mean}, 표준편차 {std}",
    ),
    "inside.kind_weights": ("weights", "가중치"),
    "inside.kind_bias": ("biases", "편향"),
    "inside.value": ("Value", "값"),
    "inside.count": ("Count", "개수"),
    "inside.input_source": ("Input image", "입력 이미지"),
    "inside.input_drawing": ("My drawing (Draw page)", "내 그림 (그려 보기 페이지)"),
    "inside.input_test": ("A test image", "테스트 이미지"),
    "inside.no_drawing": (
        "No drawing yet: draw a digit on the Draw page and it appears here. Showing a test image.",
        "아직 그림이 없습니다. '그려 보기' 페이지에서 숫자를 그리면 여기에 나타납니다. 지금은 "
        "테스트 이미지를 보여 줍니다.",
    ),
    "inside.test_index": ("Test image number", "테스트 이미지 번호"),
    "inside.test_label": (
        "Test image #{index}: its label is {label}.",
        "테스트 이미지 #{index}: 정답은 {label}입니다.",
    ),
    "inside.data_failed": (
        "The test images could not be loaded: {error}",
        "테스트 이미지를 불러오지 못했습니다: {error}",
    ),
    "inside.activations_caption": (
        "Every layer's output for this image, from the input to the probabilities.",
        "이 이미지에 대한 각 층의 출력입니다. 입력부터 확률까지 차례로 보여 줍니다.",
    ),
    "inside.layer_heading": ("{name} ({kind}) · output {shape}", "{name} ({kind}) · 출력 {shape}"),
    "inside.maps_shown": ("{shown} of {total} feature maps.", "특징 맵 {total}개 중 {shown}개."),
    "inside.activations_failed": (
        "The layer outputs could not be computed: {error}",
        "층별 출력을 계산하지 못했습니다: {error}",
    ),
    "inside.unit": ("Unit", "유닛"),
    "inside.activation": ("Output", "출력"),
    "inside.numpy_intro": (
        "Keras computes nothing more than this: for each layer, A = X · W + b, then the "
        "activation. Here the trained weights run through plain NumPy, as in tutorial 001.",
        "Keras가 하는 계산은 이것뿐입니다: 층마다 A = X · W + b를 구하고 활성화 함수를 "
        "적용합니다. 여기서는 학습된 가중치로 튜토리얼 001처럼 순수 NumPy 계산을 합니다.",
    ),
    "inside.numpy_not_dense": (
        "The NumPy forward pass covers networks of Dense layers; this one has "
        "{kinds} layers. Train a Dense-only network (an MLP) to see its arithmetic.",
        "NumPy 순전파는 Dense 층으로만 된 신경망을 다룹니다. 이 모델의 층: "
        "{kinds}. Dense 층만 있는 신경망(MLP)을 학습하면 계산 과정을 볼 수 있습니다.",
    ),
    "inside.shapes": ("Matrix shapes, layer by layer", "층별 행렬 모양"),
    "inside.numpy_code": ("The code", "코드"),
    "inside.step": (
        "Layer {number}: A{number} = {source} · W{number} + b{number}, then {activation}",
        "{number}층: A{number} = {source} · W{number} + b{number}, 그다음 {activation}",
    ),
    "inside.numpy_output": ("NumPy output", "NumPy 출력"),
    "inside.keras_output": ("Keras output", "Keras 출력"),
    "inside.difference": ("Difference", "차이"),
    "inside.class": ("Class", "클래스"),
    "inside.max_difference": ("Largest difference", "최대 차이"),
    "inside.same_result": (
        "NumPy and Keras agree to within 1e-5: the same network.",
        "NumPy와 Keras의 결과가 1e-5 이내로 같습니다. 같은 신경망입니다.",
    ),
    "inside.different_result": (
        "NumPy and Keras differ by more than 1e-5.",
        "NumPy와 Keras의 결과가 1e-5보다 크게 다릅니다.",
    ),
    "inside.batch_title": ("Batch inference over the test set", "테스트 세트 배치 추론"),
    "inside.batch_size": ("Batch size", "배치 크기"),
    "inside.batch_run": ("Run over the test set", "테스트 세트 전체 추론"),
    "inside.batch_result": (
        "Accuracy {accuracy} ({correct} of {total} right), {seconds} s with batches of {batch}.",
        "정확도 {accuracy} ({total}개 중 {correct}개 정답), 배치 {batch}개씩 {seconds}초.",
    ),
    "inside.functions_intro": (
        "The activation functions in NumPy, as tutorial 001 writes them, with their derivatives "
        "(the slope that backpropagation uses).",
        "튜토리얼 001처럼 NumPy로 쓴 활성화 함수와 그 도함수(역전파에 쓰이는 기울기)입니다.",
    ),
    "inside.functions_pick": ("Functions", "함수"),
    "inside.functions_range": ("x from … to …", "x 범위"),
    "inside.function": ("Function", "함수"),
    "inside.derivative": ("Derivative", "도함수"),
    "inside.curve": ("Curve", "곡선"),
    "inside.softmax_note": (
        "Softmax is applied to the whole plotted range at once, so its curve depends on the "
        "range; its derivative shown is the diagonal s(1 - s).",
        "소프트맥스는 그려진 범위 전체에 한 번에 적용되므로 곡선이 범위에 따라 달라집니다. "
        "도함수는 대각 성분 s(1 - s)를 보여 줍니다.",
    ),
    "inside.overflow_title": (
        "Why softmax subtracts the maximum",
        "소프트맥스가 최댓값을 빼는 이유",
    ),
    "inside.overflow_scores": ("Scores", "점수"),
    "inside.overflow_scores_help": (
        "Numbers separated by commas.",
        "쉼표로 구분한 숫자들.",
    ),
    "inside.overflow_bad": (
        "Enter between 2 and 20 numbers separated by commas, e.g. 1010, 1000, 990.",
        "쉼표로 구분한 숫자를 2개에서 20개까지 입력하세요. 예: 1010, 1000, 990",
    ),
    "inside.overflow_naive": (
        "np.exp(x) / np.sum(np.exp(x)): exp of scores above about 709 overflows to inf, and "
        "inf / inf is nan.",
        "np.exp(x) / np.sum(np.exp(x)): 약 709보다 큰 점수의 exp는 inf로 넘치고, inf / inf는 "
        "nan이 됩니다.",
    ),
    "inside.overflow_stable": (
        "np.exp(x - np.max(x)) / …: the largest exponent is 0, nothing overflows, and the "
        "probabilities are the same (the shift cancels in the division).",
        "np.exp(x - np.max(x)) / …: 가장 큰 지수가 0이 되어 넘치지 않고, 나눗셈에서 상쇄되므로 "
        "확률은 그대로입니다.",
    ),
}
