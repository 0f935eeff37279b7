"""Text about the data sets: names, where they came from, how many images."""

TEXTS = {
    "data.name.mnist": ("MNIST (handwritten digits)", "MNIST (손글씨 숫자)"),
    "data.name.fashion_mnist": ("Fashion-MNIST (clothing)", "Fashion-MNIST (옷과 신발)"),
    # A data set already loaded: exact counts.
    "data.loaded.data_dir": (
        "Full set from the folder in NNLAB_DATA_DIR: {train} training + {test} test images",
        "NNLAB_DATA_DIR 폴더의 전체 데이터: 학습 이미지 {train}장 + 테스트 이미지 {test}장",
    ),
    "data.loaded.keras_cache": (
        "Full set from the Keras cache: {train} training + {test} test images",
        "Keras 캐시의 전체 데이터: 학습 이미지 {train}장 + 테스트 이미지 {test}장",
    ),
    "data.loaded.debian": (
        "Full set from Debian's dataset-fashion-mnist: {train} training + {test} test images",
        "데비안 dataset-fashion-mnist 패키지의 전체 데이터: 학습 이미지 {train}장 + "
        "테스트 이미지 {test}장",
    ),
    "data.loaded.download": (
        "Full set, downloaded: {train} training + {test} test images",
        "내려받은 전체 데이터: 학습 이미지 {train}장 + 테스트 이미지 {test}장",
    ),
    "data.loaded.bundled_sample": (
        "Bundled sample of {total} images ({train} training + {test} test), not the full set",
        "NN Lab에 포함된 표본 {total}장 (학습 {train}장 + 테스트 {test}장), 전체 데이터가 아님",
    ),
    # Not loaded yet: what loading will use.
    "data.probe.data_dir": (
        "Full set from the folder in NNLAB_DATA_DIR ({path})",
        "NNLAB_DATA_DIR 폴더의 전체 데이터 ({path})",
    ),
    "data.probe.keras_cache": (
        "Full set from the Keras cache ({path})",
        "Keras 캐시의 전체 데이터 ({path})",
    ),
    "data.probe.debian": (
        "Full set from Debian's dataset-fashion-mnist (60,000 training + 10,000 test images)",
        "데비안 dataset-fashion-mnist 패키지의 전체 데이터 (학습 60,000장 + 테스트 10,000장)",
    ),
    "data.probe.download": (
        "Full set (60,000 training + 10,000 test images), downloaded on first use; "
        "without internet, the bundled sample",
        "전체 데이터 (학습 60,000장 + 테스트 10,000장)를 처음 쓸 때 내려받음; "
        "인터넷이 없으면 포함된 표본 사용",
    ),
    "data.probe.bundled_sample": (
        "Bundled sample (not the full set)",
        "NN Lab에 포함된 표본 (전체 데이터가 아님)",
    ),
    "data.notes": ("Notes on the data sources", "데이터 출처에 관한 메모"),
    "data.load_failed": (
        "Could not load {name}: {error}",
        "{name} 데이터를 불러오지 못했습니다: {error}",
    ),
    "data.loading": ("Loading {name}…", "{name} 불러오는 중…"),
}
