from sqms.core.chinese_text import search_words, words


def test_trade_terms_stay_whole_and_filler_goes() -> None:
    assert "携号转网" in words("我想办理携号转网，请问怎么弄？")
    assert "的" not in words("宽带的问题")
    assert words("宽带断网") == ["宽带", "断网"]


def test_search_words_find_parts_of_long_words() -> None:
    found = search_words("宽带无法上网/断网")
    assert {"宽带", "断网", "上网"} <= set(found)


def test_empty_and_punctuation() -> None:
    assert words("") == []
    assert words("！？。，") == []
