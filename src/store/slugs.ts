// Flow runs created without a name get an adjective-animal slug, as Prefect's coolname does.
const ADJECTIVES =
  "able agile amber ancient arcane bold brave bright brisk calm careful cheerful clever cobalt cool cosmic crimson curious daring dashing eager earnest electric elegant emerald fancy fearless fiery fluffy friendly gentle gifted glorious golden graceful gray happy hardy hasty helpful hidden honest humble icy jolly keen kind lively loyal lucky mellow merry mighty misty modest nimble noble olive patient peaceful placid polite proud quick quiet radiant rapid rare resolute robust rustic sandy savvy scarlet serene sharp shiny silent silver smart snowy spicy splendid steady stormy striped sturdy sunny swift tactful tan tidy tough tranquil trusty vagabond valiant vivacious warm whimsical wise witty zealous".split(
    " ",
  );
const ANIMALS =
  "aardvark albatross alpaca ant antelope armadillo badger barracuda bat bear beaver bee bison boar bobcat buffalo butterfly camel capybara caracal cardinal caribou cat cheetah chipmunk cobra condor cormorant coyote crab crane cricket crocodile crow deer dingo dolphin donkey dove dragonfly duck eagle eel elephant elk emu falcon ferret finch flamingo fox frog gazelle gecko gibbon giraffe gnu goat goose gopher gorilla grouse gull hamster hare hawk hedgehog heron hippo hornet horse hound hyena ibex ibis iguana impala jackal jaguar jay kangaroo kingfisher kiwi koala lemur leopard lion lizard llama lobster lynx macaw magpie mamba manatee mantis marmot marten meerkat mink mole mongoose moose moth mouse mule narwhal newt ocelot octopus okapi orca oriole ostrich otter owl ox panda panther parrot partridge peacock pelican penguin pheasant pig pigeon piranha platypus puffin puma python quail rabbit raccoon ram raven reindeer rhino robin salamander salmon seal shark sheep shrew skunk sloth snail snake sparrow spider squid squirrel stingray stork swan tapir tarsier termite tiger toad toucan trout turkey turtle viper vulture wallaby walrus wasp weasel whale wildcat wolf wolverine wombat woodpecker yak zebra".split(
    " ",
  );

const pick = (words: string[]) => words[Math.floor(Math.random() * words.length)];

export function runSlug(): string {
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
}
