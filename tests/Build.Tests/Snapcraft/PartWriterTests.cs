using SnapBuild.Recipes;
using SnapBuild.Snapcraft;
using SnapBuild.Tests.Recipes;
using SnapBuild.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Tests.Snapcraft;

public class PartWriterTests
{
    [Test]
    public void Should_write_the_same_bytes_for_the_same_inputs_and_read_back_as_yaml()
    {
        using var directory = new TempDirectory();
        var recipe = RecipeLoader.Load(RecipeLoaderTests.WriteRecipe(directory, RecipeLoaderTests.Minimal + """

            build:
              options:
                WITH_PAGE_CLEANER_PRIORITY: "OFF"
              targets: [cleaner]
              install-components: [Server]
            snap:
              build-packages: [g++]
              stage: [usr/bin/cleaner]
            """));
        var inputs = new PartInputs(recipe, "https://example.invalid/demo.git", [new PartPatch("0001-a.patch", 1)], "patches/demo");

        var first = PartWriter.Write(inputs);
        var second = PartWriter.Write(inputs);
        var stream = new YamlStream();
        stream.Load(new StringReader(first));
        var part = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["parts"])["demo"];

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(part["plugin"].ToString(), Is.EqualTo("cmake"));
            Assert.That(part["source-tag"].ToString(), Is.EqualTo("v1.0.0"));
            Assert.That(part["source-depth"].ToString(), Is.EqualTo("1"));
            Assert.That(part["override-pull"].ToString(), Does.StartWith("craftctl default\n")
                .And.Contain("-p1 -i \"$CRAFT_PROJECT_DIR/patches/demo/0001-a.patch\""));
            Assert.That(((YamlSequenceNode)part["cmake-parameters"]).Children.Select(c => c.ToString()),
                Does.Contain("-DWITH_PAGE_CLEANER_PRIORITY=OFF"));
            Assert.That(part["override-build"].ToString(), Does.Contain("--target cleaner").And.Contain("--component Server"));
        });
    }
}
