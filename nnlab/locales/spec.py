"""Text of RunSpec validation errors, layer labels of the network diagram, optimizer settings."""

TEXTS = {
    # --- validation errors (nnlab.core.spec.SpecError); {field} is a setting's label (field.*) ---
    "spec.error.choice": (
        "{field} must be one of {options}; got {value}.",
        "{field}은(는) {options} 중 하나여야 합니다. 입력값: {value}.",
    ),
    "spec.error.whole_number": (
        "{field} must be a whole number; got {value}.",
        "{field}은(는) 정수여야 합니다. 입력값: {value}.",
    ),
    "spec.error.int_range": (
        "{field} must be between {low} and {high}; got {value}.",
        "{field}은(는) {low}에서 {high} 사이여야 합니다. 입력값: {value}.",
    ),
    "spec.error.number": (
        "{field} must be a number; got {value}.",
        "{field}은(는) 숫자여야 합니다. 입력값: {value}.",
    ),
    "spec.error.float_range": (
        "{field} must be in {interval}; got {value}.",
        "{field}은(는) {interval} 범위에 있어야 합니다. 입력값: {value}.",
    ),
    "spec.error.true_false": (
        "{field} must be true or false; got {value}.",
        "{field}은(는) 참 또는 거짓이어야 합니다. 입력값: {value}.",
    ),
    "spec.error.layers_not_list": (
        "Hidden layers must be a list of layers.",
        "은닉층은 층의 목록이어야 합니다.",
    ),
    "spec.error.too_many_layers": (
        "At most {limit} hidden layers; got {count}.",
        "은닉층은 최대 {limit}개입니다. 입력: {count}개.",
    ),
    "spec.error.conv_after_dense": (
        "Layer {position} is a conv block after a Dense layer: conv blocks work on images, so "
        "put them before every Dense layer.",
        "{position}번째 층은 Dense 층 뒤의 합성곱 블록입니다. 합성곱 블록은 이미지를 다루므로 "
        "모든 Dense 층보다 앞에 두세요.",
    ),
    "spec.error.conv_too_small": (
        "Too many conv blocks or kernels too large: each block shrinks the 28x28 image (minus "
        "the kernel, then halved), and nothing would be left. Remove a block or use a smaller "
        "kernel.",
        "합성곱 블록이 너무 많거나 커널이 너무 큽니다. 블록마다 28x28 이미지가 (커널만큼 줄고 "
        "다시 절반으로) 작아져 남는 것이 없습니다. 블록을 하나 빼거나 더 작은 커널을 쓰세요.",
    ),
    "spec.error.not_for_optimizer": (
        "{field} applies only to the {optimizers} optimizer.",
        "{field}은(는) {optimizers} 옵티마이저에만 쓰입니다.",
    ),
    "spec.error.batch_too_large": (
        "Batch size ({batch}) is larger than the training set ({train} images): every epoch "
        "would be a single partial batch.",
        "배치 크기({batch})가 훈련 세트({train}개 이미지)보다 큽니다. 에포크마다 덜 찬 배치 "
        "하나뿐이 됩니다.",
    ),
    "spec.error.memory_batch": (
        "Training this network at batch size {batch} needs about {needed} of memory; a run gets "
        "{budget} on this server (shared by the whole class). Use a batch size of {fitting} or "
        "less, or fewer units or filters.",
        "이 신경망을 배치 크기 {batch}로 학습하려면 메모리가 약 {needed} 필요합니다. 이 서버에서 "
        "실행 하나가 쓸 수 있는 메모리는 {budget}입니다(반 전체가 함께 씁니다). 배치 크기를 "
        "{fitting} 이하로 하거나 유닛·필터 수를 줄이세요.",
    ),
    "spec.error.memory_network": (
        "Training this network needs about {needed} of memory even one image at a time; a run "
        "gets {budget} on this server (shared by the whole class). Use fewer units or filters.",
        "이 신경망은 이미지를 하나씩 학습해도 메모리가 약 {needed} 필요합니다. 이 서버에서 실행 "
        "하나가 쓸 수 있는 메모리는 {budget}입니다(반 전체가 함께 씁니다). 유닛·필터 수를 "
        "줄이세요.",
    ),
    "spec.error.too_many_parameters": (
        "This network has {count} parameters, more than the {limit} this lab allows (memory is "
        "shared by the whole class). Use fewer units.",
        "이 신경망의 파라미터는 {count}개로, 이 실습실이 허용하는 {limit}개보다 많습니다(메모리를 "
        "반 전체가 함께 씁니다). 유닛 수를 줄이세요.",
    ),
    "spec.error.not_mapping": (
        "A run spec must be a mapping of settings; got {type}.",
        "실행 설정은 설정 이름과 값의 묶음이어야 합니다. 입력: {type}.",
    ),
    "spec.error.layer_not_mapping": (
        "A layer must be a mapping of settings; got {type}.",
        "층은 설정 이름과 값의 묶음이어야 합니다. 입력: {type}.",
    ),
    "spec.error.unknown_settings": (
        "Unknown setting(s): {names}.",
        "알 수 없는 설정: {names}.",
    ),
    "spec.error.unknown_layer_settings": (
        "Unknown layer setting(s): {names}.",
        "알 수 없는 층 설정: {names}.",
    ),
    "spec.error.invalid_settings": ("Invalid settings: {error}", "잘못된 설정: {error}"),
    "spec.error.bad_json": (
        "Not valid run-spec JSON: {error}",
        "올바른 실행 설정 JSON이 아닙니다: {error}",
    ),
    "spec.error.in_layer": ("Layer {position}: {error}", "{position}번째 층: {error}"),
    # --- labels of LayerSpec fields in messages ---
    "field.kind": ("Layer kind", "층 종류"),
    "field.units": ("Units", "유닛 수"),
    "field.filters": ("Filters", "필터 수"),
    "field.kernel_size": ("Kernel size", "커널 크기"),
    "field.activation": ("Activation", "활성화 함수"),
    # --- the network diagram (nnlab.core.summary.network_dot) ---
    "diagram.input": ("Input", "입력"),
    "diagram.pixels": ("{side}×{side} pixels = {count}", "{side}×{side} 픽셀 = {count}"),
    "diagram.conv": (
        "Conv {number}: {filters} filters {kernel}×{kernel}, {activation}",
        "합성곱 {number}: 필터 {filters}개 {kernel}×{kernel}, {activation}",
    ),
    "diagram.max_pool": ("max-pool 2×2", "최대 풀링 2×2"),
    "diagram.flatten": ("Flatten", "펼치기"),
    "diagram.values": ("{count} values", "값 {count}개"),
    "diagram.dropout": ("dropout {rate}", "드롭아웃 {rate}"),
    "diagram.dense": ("Dense {number}", "Dense 층 {number}"),
    "diagram.unit": ("{count} unit, {activation}", "유닛 {count}개, {activation}"),
    "diagram.units": ("{count} units, {activation}", "유닛 {count}개, {activation}"),
    "diagram.output": ("Output", "출력"),
    "diagram.classes": ("{count} classes, {activation}", "클래스 {count}개, {activation}"),
    "diagram.weights": ("{count} weights", "가중치 {count}개"),
}
