"""Text for "why this answer", the robustness lab, adversarial examples and "not a digit"."""

TEXTS = {
    # --- not a digit
    "explain.not_a_digit": (
        "This does not look like a digit.",
        "숫자처럼 보이지 않습니다.",
    ),
    "explain.not_a_digit_detail": (
        "The network must always pick one of its ten classes, so it still says {label} "
        "({percent}); but this drawing is unlike the digits it learned from, so that answer "
        "means little. {how}",
        "신경망은 언제나 열 개의 클래스 중 하나를 골라야 하므로 여전히 {label}({percent})라고 "
        "답합니다. 하지만 이 그림은 신경망이 배운 숫자들과 달라서 그 답은 별 의미가 "
        "없습니다. {how}",
    ),
    "explain.rule_calibrated": (
        "(Checked by the network's {method}, calibrated for this model: it catches {caught} of "
        "non-digit shapes it was never shown, and wrongly flags {flagged} of drawn digits.)",
        "(이 모델에 맞춰 보정한 {method} 기준으로 판단했습니다: 한 번도 보여 주지 않은 숫자가 "
        "아닌 모양의 {caught}를 잡아내고, 그린 숫자의 {flagged}를 잘못 걸러 냅니다.)",
    ),
    "explain.rule_fallback": (
        "(This model has no calibration for this check, so only its confidence is used: under "
        "{threshold} for its best class reads as not a digit.)",
        "(이 모델에는 이 검사를 위한 보정이 없어 확신도만 씁니다: 가장 높은 클래스의 확률이 "
        "{threshold} 미만이면 숫자가 아닌 것으로 봅니다.)",
    ),
    "explain.method.energy": ("energy score", "에너지 점수"),
    "explain.method.max_probability": ("highest probability", "최고 확률"),
    "explain.method.probe": ("feature probe", "특징 탐침"),
    # --- why this answer
    "explain.title": ("Why this answer?", "왜 이렇게 답했을까?"),
    "explain.intro": (
        "Which pixels pushed the network towards its answer. Computed by backpropagation, as in "
        "training, but down to the input: how much each pixel's ink changes the class's score.",
        "어떤 픽셀이 신경망을 이 답으로 이끌었는지 보여 줍니다. 학습 때처럼 역전파로 계산하되 "
        "입력까지 내려갑니다: 각 픽셀의 잉크가 클래스 점수를 얼마나 바꾸는지입니다.",
    ),
    "explain.tab_saliency": ("Saliency", "중요 픽셀"),
    "explain.tab_evidence": ("What would make it another digit?", "다른 숫자가 되려면?"),
    "explain.tab_robust": ("Robustness lab", "견고성 실험실"),
    "explain.saliency_caption": (
        "Gradient × input for {label}: red ink raises its score, blue ink lowers it.",
        "{label}에 대한 기울기 × 입력: 빨간 잉크는 점수를 올리고, 파란 잉크는 내립니다.",
    ),
    "explain.occlusion_caption": (
        "Cross-check by covering: red where hiding a 6x6 square lowers the probability of "
        "{label} (blue: raises it).",
        "가려 보기로 확인: 6x6 정사각형을 가렸을 때 {label}의 확률이 내려가는 곳은 빨강, "
        "올라가는 곳은 파랑입니다.",
    ),
    "explain.occlusion_toggle": ("Cross-check by covering parts", "일부를 가려서 확인하기"),
    "explain.saliency_help": (
        "The two maps are two ways of asking the same question. Where they agree, you can trust "
        "that those strokes matter to the network.",
        "두 지도는 같은 질문을 두 가지 방법으로 묻습니다. 둘이 일치하는 곳은 그 획이 신경망에 "
        "정말 중요하다고 믿어도 됩니다.",
    ),
    "explain.target": ("What would make it a …", "무엇이 이것을 …(으)로 만들까"),
    "explain.target_help": (
        "Starts at the runner-up: the class the network thought of second.",
        "처음에는 두 번째로 높은 클래스가 선택됩니다.",
    ),
    "explain.versus": (
        "Compared with {versus}, the network's answer. {target} now: {percent}.",
        "신경망의 답인 {versus}와 비교합니다. 지금 {target}의 확률: {percent}.",
    ),
    "explain.versus_runner_up": (
        "{target} is already the answer; compared with the runner-up {versus}. Probability "
        "now: {percent}.",
        "{target}은(는) 이미 답입니다. 두 번째인 {versus}와 비교합니다. 지금 확률: {percent}.",
    ),
    "explain.speaks_for": ("Strokes that speak for {target}", "{target}을(를) 지지하는 획"),
    "explain.speaks_against": ("Strokes that speak against {target}", "{target}에 반대하는 획"),
    "explain.add_ink": ("Ink here would help {target}", "여기에 잉크를 더하면 {target}에 가까워짐"),
    "explain.evidence_totals": (
        "Evidence for {target} over {versus}: +{positive} · against: −{negative} (score units).",
        "{versus} 대비 {target}의 증거: +{positive} · 반대: −{negative} (점수 단위).",
    ),
    "explain.failed": (
        "The explanation could not be computed for this model ({error}).",
        "이 모델에서는 설명을 계산할 수 없습니다 ({error}).",
    ),
    # --- robustness lab
    "explain.robust_intro": (
        "Change the image a little and watch the answer: a sturdy network keeps it.",
        "이미지를 조금씩 바꾸며 답을 지켜보세요: 튼튼한 신경망은 답을 유지합니다.",
    ),
    "explain.shift_x": ("Shift right (pixels)", "오른쪽으로 이동 (픽셀)"),
    "explain.shift_y": ("Shift down (pixels)", "아래로 이동 (픽셀)"),
    "explain.rotate": ("Rotate (degrees, counter-clockwise)", "회전 (도, 반시계 방향)"),
    "explain.thickness": ("Thicker (+) or thinner (−) strokes", "획을 굵게 (+) 또는 가늘게 (−)"),
    "explain.blur": ("Blur", "흐리게"),
    "explain.noise": ("Noise", "잡음"),
    "explain.erase": ("Erase", "지우기"),
    "explain.erase.none": ("nothing", "없음"),
    "explain.erase.top": ("top half", "위쪽 절반"),
    "explain.erase.bottom": ("bottom half", "아래쪽 절반"),
    "explain.erase.left": ("left half", "왼쪽 절반"),
    "explain.erase.right": ("right half", "오른쪽 절반"),
    "explain.erase.centre": ("the centre", "가운데"),
    "explain.reset": ("Reset the changes", "변경 되돌리기"),
    "explain.changed_image": ("The changed image", "바뀐 이미지"),
    "explain.original_image": ("The original", "원래 이미지"),
    "explain.changed_answer": ("Answer after the changes", "바뀐 뒤의 답"),
    "explain.kept": ("Same answer as before", "이전과 같은 답"),
    "explain.flipped": ("Was {label}", "원래 {label}"),
    "explain.probabilities": ("Probabilities after the changes", "바뀐 뒤의 확률"),
    # --- Evaluate: robustness on a test image and FGSM
    "explain.evaluate_title": ("Robustness and adversarial examples", "견고성과 적대적 예제"),
    "explain.evaluate_intro": (
        "Pick a test image, change it with the sliders, or nudge every pixel a little in the "
        "direction that hurts the network most.",
        "시험 이미지를 골라 슬라이더로 바꿔 보거나, 모든 픽셀을 신경망에 가장 불리한 방향으로 "
        "조금씩 밀어 보세요.",
    ),
    "explain.test_image": ("Test image number", "시험 이미지 번호"),
    "explain.test_image_help": ("0 to {last}.", "0부터 {last}까지."),
    "explain.true_label": ("True class: {label}", "실제 클래스: {label}"),
    "explain.fgsm_title": ("Adversarial example (FGSM)", "적대적 예제 (FGSM)"),
    "explain.fgsm_intro": (
        "The fast gradient sign method moves every pixel by epsilon (a share of the full "
        "brightness) up or down, whichever raises the loss: x + ε · sign(∂loss/∂x), kept "
        "between black and white.",
        "빠른 기울기 부호 방법(FGSM)은 모든 픽셀을 엡실론(최대 밝기에 대한 비율)만큼 손실이 "
        "커지는 쪽으로 올리거나 내립니다: x + ε · sign(∂손실/∂x), 검정과 흰색 사이로 유지.",
    ),
    "explain.epsilon": ("Epsilon (ε)", "엡실론 (ε)"),
    "explain.perturbation": ("The nudge (red up, blue down)", "더한 변화 (빨강 증가, 파랑 감소)"),
    "explain.adversarial": ("Adversarial image", "적대적 이미지"),
    "explain.before": ("Answer before the nudge", "변화 전의 답"),
    "explain.after": ("Answer after the nudge", "변화 후의 답"),
    "explain.loss_change": (
        "Loss on the true class: {before} → {after}",
        "실제 클래스에 대한 손실: {before} → {after}",
    ),
    "explain.fgsm_flipped": (
        "The answer flipped from {before} to {after}, though the image barely changed to a "
        "person's eye.",
        "사람 눈에는 거의 같은 이미지인데 답이 {before}에서 {after}(으)로 바뀌었습니다.",
    ),
    "explain.fgsm_held": (
        "The answer held at this epsilon; try a larger one.",
        "이 엡실론에서는 답이 유지되었습니다. 더 크게 해 보세요.",
    ),
}
