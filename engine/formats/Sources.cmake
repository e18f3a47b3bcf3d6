# The model-file readers and writers (included from engine/CMakeLists.txt).
list(APPEND LLMLAB_FORMAT_SOURCES
    formats/MappedFile.cpp
    formats/Metadata.cpp
    formats/TensorIndex.cpp
    formats/BlockQuant.cpp
    formats/GgufReader.cpp
    formats/SafetensorsReader.cpp
    formats/Llama2cReader.cpp
    formats/TensorNames.cpp
    formats/ModelSpec.cpp
    formats/ModelFile.cpp
    formats/GgufWriter.cpp
    formats/SafetensorsWriter.cpp
)
